// A complete (non-streamed) HTTP response and its serialization.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http1/message.hpp"

namespace chatrelay::http1 {

struct Response {
  int status = 200;
  std::string_view content_type = "application/json";  // a literal: no copy per response
  std::vector<Header> headers;  // extra headers, names as they should be sent
  std::string body;
  bool close = false;  // send Connection: close and close after writing

  Response& header(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }
};

std::string_view reason_phrase(int status);

// What an answer says about the connection: nothing (HTTP/1.1 keep-alive is the default),
// "Connection: keep-alive" (HTTP/1.0 clients assume a close without it), or "Connection: close".
enum class ConnectionToken { none, keep_alive, close };

// FastAPI's error shape: {"detail":"…"}.
Response json_error(int status, std::string_view detail);

// Appends the status line and headers (Content-Length, `r.headers`, then `common`: what every
// answer to the request carries, such as X-Request-Id and CORS; Connection when needed) and,
// unless `head_only`, the body. `r.close` makes the token `close` whatever `connection` says.
void serialize(const Response& r, ConnectionToken connection, bool head_only, std::string& out,
               const std::vector<Header>& common = {});
inline void serialize(const Response& r, bool keep_alive, bool head_only, std::string& out,
                      const std::vector<Header>& common = {}) {
  serialize(r, keep_alive ? ConnectionToken::none : ConnectionToken::close, head_only, out, common);
}

// Appends the head of a streaming response (no body): `headers`, then `common`. The body is
// chunked, or (`chunked` false, for HTTP/1.0 clients) delimited by the connection's close.
void serialize_stream_head(int status, std::string_view content_type, const std::vector<Header>& headers,
                           ConnectionToken connection, bool chunked, std::string& out,
                           const std::vector<Header>& common = {});

}  // namespace chatrelay::http1
