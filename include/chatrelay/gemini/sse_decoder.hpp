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
// (joined with '\n') and handed over as one event with `raw = true` at the next blank line, at a
// switch between data lines and raw lines, or at finish(). An event with a `data` field but an
// empty value is handed over as empty data (as the SSE spec says); blank lines alone give nothing.
// Buffers are kept between events, so a warmed-up decoder does not allocate.
class SseDecoder {
 public:
  explicit SseDecoder(std::size_t max_event_bytes = 8 * 1024 * 1024)
      : max_event_bytes_(max_event_bytes) {}

  // too_large: an event (or one line) grew beyond max_event_bytes. The decoder then stays in that
  // state, ignoring input, until reset().
  enum class Status { ok, too_large };

  // Sink: void(std::string_view data, bool raw). The view is valid only during the call.
  template <typename Sink>
  Status feed(std::string_view bytes, Sink&& sink);
  // End of body: flushes a pending line and event that had no terminating blank line, then
  // resets for the next body (keeping the buffers' capacity).
  template <typename Sink>
  void finish(Sink&& sink);

  void reset();
  // Gives back the room of buffers that hold nothing (a stream waiting for its next event).
  void release_buffers();

 private:
  enum class Block { none, data, raw };
  enum class Step { need_more, event, too_large };

  // The pure core, out of line: consumes `bytes` from the front until one event is complete
  // (then event_view()/event_raw() describe it until the next call) or the input is used up.
  Step consume(std::string_view& bytes);
  // At end of input: true when an event is ready (call again until it returns false).
  bool flush();
  std::string_view event_view() const;
  bool event_raw() const { return ready_ == Block::raw; }

  Step take_line(std::string_view line);
  Step fail_too_large();
  bool begin_block(Block block);  // true when switching dispatched the other block
  bool dispatch_pending();
  void clear_ready();

  std::size_t max_event_bytes_;
  std::string line_;  // a line split across feeds
  std::string data_;  // `data:` values of the pending event
  std::string raw_;   // non-SSE lines of the pending raw block
  Block pending_ = Block::none;
  Block ready_ = Block::none;  // dispatched, cleared on the next call
  bool data_seen_ = false;     // a `data` field arrived (it may be empty)
  bool skip_lf_ = false;       // the last line ended in \r: a following \n belongs to it
  bool too_large_ = false;
};

template <typename Sink>
SseDecoder::Status SseDecoder::feed(std::string_view bytes, Sink&& sink) {
  for (;;) {
    switch (consume(bytes)) {
      case Step::need_more:
        return Status::ok;
      case Step::too_large:
        return Status::too_large;
      case Step::event:
        sink(event_view(), event_raw());
        break;
    }
  }
}

template <typename Sink>
void SseDecoder::finish(Sink&& sink) {
  while (flush()) sink(event_view(), event_raw());
  reset();
}

}  // namespace chatrelay::gemini
