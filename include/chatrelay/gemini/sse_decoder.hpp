// Incremental Server-Sent Events decoder: bytes in (any split), complete events out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chatrelay::gemini {

// Feed body bytes as they arrive; each complete event's data (multi-line `data:` joined with
// '\n') is handed to the sink. Lines end in \r\n, \n or \r; `:` comments and other fields
// (event, id, retry) are skipped. Gemini can append a raw, pretty-printed `{"error": …}` object
// without `data:` to a 200 stream: lines that are not SSE fields are collected into a raw block
// and handed over as one event with `raw = true` at the next blank line or at finish().
class SseDecoder {
 public:
  explicit SseDecoder(std::size_t max_event_bytes = 8 * 1024 * 1024) : max_event_bytes_(max_event_bytes) {}

  enum class Status { ok, too_large };

  // Sink: void(std::string_view data, bool raw). The view is valid only during the call.
  template <typename Sink>
  Status feed(std::string_view bytes, Sink&& sink);
  // End of body: flushes a pending event that had no terminating blank line.
  template <typename Sink>
  void finish(Sink&& sink);

  void reset();
};

}  // namespace chatrelay::gemini
