// Decodes one streamed generateContent answer, bytes in (any split) → events or a typed error:
// the status and body (framing aside) in BodyDecoder, and HTTP/1.1 framing around it in
// ResponseDecoder. Pure: no I/O, grind-tested on the recordings.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/gemini/event_parser.hpp"
#include "chatrelay/gemini/events.hpp"
#include "chatrelay/gemini/sse_decoder.hpp"
#include "chatrelay/http1/message_parser.hpp"

namespace chatrelay::gemini {

// What one feed produced. `events` (valid until the next feed) come before `error`: the events
// Gemini sent before an error object are handed on, then the error ends the answer.
struct Decoded {
  std::span<const EventData> events;
  std::optional<UpstreamError> error;
  bool done = false;  // the answer is over (complete, or ended by `error`)
};

// The answer's status and its body bytes (de-framed) → events. A non-200 status collects the
// body (up to 64 KiB) and reads it as Gemini's error object at the end.
class BodyDecoder {
 public:
  // `events` is shared by every call on the loop (see Client): parse() runs to completion.
  explicit BodyDecoder(EventParser& events) : events_(events) {}

  void set_status(int status) { status_ = status; }
  int status() const { return status_; }
  // Body bytes; `at_end`: the body is complete after them.
  Decoded feed(std::string_view body, bool at_end);
  // Between feeds, while the answer is quiet: gives back the room kept for the next feed's events
  // and lines (a held stream costs its memory for as long as it waits). Invalidates the events of
  // the last feed.
  void release_buffers();

 private:
  EventParser& events_;
  SseDecoder sse_;
  std::vector<EventData> batch_;  // the events of one feed; kept for its strings' capacity
  std::string error_body_;
  int status_ = 0;
};

// HTTP/1.1 framing (status line, headers, chunked or sized or close-delimited body) around a
// BodyDecoder.
class ResponseDecoder {
 public:
  explicit ResponseDecoder(EventParser& events) : body_(events) {}

  // Bytes from the connection; `eof`: the peer closed it after them.
  Decoded feed(std::string_view bytes, bool eof);

  // Any byte of the answer has arrived.
  bool started() const { return started_; }
  bool head_complete() const { return parser_.headers_complete(); }
  // After `done` without an error (or with an error answer read whole): the connection may carry
  // another request.
  bool reusable() const { return reusable_; }

 private:
  http1::MessageParser parser_{http1::MessageParser::Mode::response, {64 * 1024, SIZE_MAX}};
  BodyDecoder body_;
  bool started_ = false;
  bool reusable_ = false;
};

}  // namespace chatrelay::gemini
