// Google's framing and JSON spelling for the fake's answers.
#include "wire.hpp"

#include <charconv>
#include <ctime>

#include "chatrelay/http1/response.hpp"
#include "chatrelay/json/writer.hpp"

namespace chatrelay::fake::wire {
namespace {

constexpr std::string_view google_tail_headers =
    "Server: scaffolding on HTTPServer2\r\n"
    "X-XSS-Protection: 0\r\n"
    "X-Frame-Options: SAMEORIGIN\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Server-Timing: gfet4t7; dur=1\r\n"
    "Alt-Svc: h3=\":443\"; ma=2592000,h3-29=\":443\"; ma=2592000\r\n";

void append_status_line(std::string& out, int status) {
  out.append("HTTP/1.1 ").append(std::to_string(status)).push_back(' ');
  out.append(http1::reason_phrase(status)).append("\r\n");
}

void append_int(std::string& out, long long v) { out.append(std::to_string(v)); }

}  // namespace

std::string stream_head() {
  std::string out;
  append_status_line(out, 200);
  out.append("Content-Type: text/event-stream\r\n"
             "Content-Disposition: attachment\r\n"
             "Vary: Origin\r\nVary: X-Origin\r\nVary: Referer\r\n"
             "Transfer-Encoding: chunked\r\n"
             "Date: ")
      .append(date_placeholder)
      .append("\r\n")
      .append(google_tail_headers)
      .append("\r\n");
  return out;
}

std::string error_head(int status, std::size_t content_length) {
  std::string out;
  append_status_line(out, status);
  out.append("Vary: Origin\r\nVary: X-Origin\r\nVary: Referer\r\n"
             "Content-Type: text/event-stream\r\n"
             "Date: ")
      .append(date_placeholder)
      .append("\r\nContent-Length: ")
      .append(std::to_string(content_length))
      .append("\r\n")
      .append(google_tail_headers)
      .append("\r\n");
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  char size[20];
  auto end = std::to_chars(size, size + sizeof size, data.size(), 16).ptr;
  out.append(size, end).append("\r\n").append(data).append("\r\n");
}

std::string event(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 10);
  out.append("data: ").append(json).append("\r\n\r\n");
  return out;
}

std::string response_json(const Candidate& c, int prompt_tokens, int candidate_tokens) {
  std::string out = "{\"candidates\": [{";
  if (!c.text.empty()) {
    out.append("\"content\": {\"parts\": [{\"text\": ");
    json::append_string(out, c.text);
    out.append("}],\"role\": \"model\"},");
  }
  if (!c.finish_reason.empty()) out.append("\"finishReason\": \"").append(c.finish_reason).append("\",");
  out.append("\"index\": 0");
  if (c.safety_ratings)
    out.append(
        ",\"safetyRatings\": [{\"category\": \"HARM_CATEGORY_SEXUALLY_EXPLICIT\",\"probability\": \"NEGLIGIBLE\"},"
        "{\"category\": \"HARM_CATEGORY_HATE_SPEECH\",\"probability\": \"NEGLIGIBLE\"},"
        "{\"category\": \"HARM_CATEGORY_HARASSMENT\",\"probability\": \"NEGLIGIBLE\"},"
        "{\"category\": \"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\": \"HIGH\",\"blocked\": true}]");
  out.append("}],\"usageMetadata\": {\"promptTokenCount\": ");
  append_int(out, prompt_tokens);
  if (candidate_tokens > 0) {
    out.append(",\"candidatesTokenCount\": ");
    append_int(out, candidate_tokens);
  }
  out.append(",\"totalTokenCount\": ");
  append_int(out, prompt_tokens + candidate_tokens);
  out.append(",\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": ");
  append_int(out, prompt_tokens);
  out.append("}]},\"modelVersion\": \"").append(model_version);
  out.append("\",\"responseId\": \"ZmFrZS1nZW1pbmktcmVzcG9uc2U\"}");
  return out;
}

std::string error_json(int code, std::string_view message, std::string_view status) {
  std::string out = "{\n  \"error\": {\n    \"code\": ";
  append_int(out, code);
  out.append(",\n    \"message\": ");
  json::append_string(out, message);
  out.append(",\n    \"status\": ");
  json::append_string(out, status);
  out.append("\n  }\n}\n");
  return out;
}

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace chatrelay::fake::wire
