// Response serialization: status line, headers, body.
#include "chatrelay/http1/response.hpp"

#include <charconv>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::http1 {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}

Response json_error(int status, std::string_view detail) {
  Response r;
  r.status = status;
  r.body.reserve(detail.size() + 16);
  json::ObjectWriter(r.body).string("detail", detail).close();
  return r;
}

namespace {

void append_status_line(int status, std::string& out) {
  char num[8];
  auto end = std::to_chars(num, num + sizeof num, status).ptr;
  out.append("HTTP/1.1 ").append(num, end).push_back(' ');
  out.append(reason_phrase(status)).append("\r\nServer: chatrelay\r\n");
}

void append_headers(const std::vector<Header>& headers, std::string& out) {
  for (const auto& h : headers) out.append(h.name).append(": ").append(h.value).append("\r\n");
}

void append_connection(ConnectionToken connection, std::string& out) {
  if (connection == ConnectionToken::close) out.append("Connection: close\r\n");
  if (connection == ConnectionToken::keep_alive) out.append("Connection: keep-alive\r\n");
}

}  // namespace

void serialize(const Response& r, ConnectionToken connection, bool head_only, std::string& out,
               const std::vector<Header>& common) {
  append_status_line(r.status, out);
  if (!r.content_type.empty()) out.append("Content-Type: ").append(r.content_type).append("\r\n");
  // A 204 has no body and must not say how long it is; a 304 has none either, and a length it
  // gave would have to be the 200's (RFC 9110 §8.6): neither says one.
  if (r.status != 204 && r.status != 304) {
    char len[24];
    auto end = std::to_chars(len, len + sizeof len, r.body.size()).ptr;
    out.append("Content-Length: ").append(len, end).append("\r\n");
  }
  append_headers(r.headers, out);
  append_headers(common, out);
  append_connection(r.close ? ConnectionToken::close : connection, out);
  out.append("\r\n");
  if (!head_only) out.append(r.body);
}

void serialize_stream_head(int status, std::string_view content_type, const std::vector<Header>& headers,
                           ConnectionToken connection, bool chunked, std::string& out,
                           const std::vector<Header>& common) {
  append_status_line(status, out);
  out.append("Content-Type: ").append(content_type).append("\r\n");
  if (chunked) out.append("Transfer-Encoding: chunked\r\n");
  append_headers(headers, out);
  append_headers(common, out);
  append_connection(chunked ? connection : ConnectionToken::close, out);
  out.append("\r\n");
}

}  // namespace chatrelay::http1
