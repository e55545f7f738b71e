// H2Answer: the HTTP/1.1 response parser over the plan's bytes; hop-by-hop headers stay behind
// (RFC 9113 §8.2.2), the rest go out as they are.
#include "h2_answer.hpp"

#include <cstdint>

namespace chatrelay::fake {

H2Answer::H2Answer() : parser_(http1::MessageParser::Mode::response, {64 * 1024, SIZE_MAX}) {}

H2Answer::Out H2Answer::feed(std::string_view bytes) {
  Out out;
  while (!bytes.empty() && !parser_.message_complete()) {
    const auto r = parser_.feed(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.event == http1::MessageParser::Event::error) {
      out.broken = true;
      break;
    }
    if (r.consumed == 0 && r.event == http1::MessageParser::Event::need_more) break;
  }
  auto& m = parser_.message();
  if (parser_.headers_complete() && !head_sent_) {
    head_sent_ = true;
    std::vector<http2::Header> head{{":status", std::to_string(m.status)}};
    for (const auto& h : m.headers) {
      if (h.name == "connection" || h.name == "transfer-encoding" || h.name == "keep-alive" ||
          h.name == "content-length")
        continue;
      head.push_back({h.name, h.value});
    }
    out.head = std::move(head);
  }
  out.body = std::move(m.body);
  m.body.clear();
  out.complete = parser_.message_complete();
  return out;
}

bool H2Answer::finish() { return parser_.message_complete() || parser_.finish(); }

}  // namespace chatrelay::fake
