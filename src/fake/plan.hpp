// A prebuilt answer: the exact bytes to send, where the events are (for pacing), and how the
// connection ends. Built once per scenario and shared by every request that plays it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::fake {

struct Plan {
  enum class End {
    keep_alive,  // answer complete; read the next request
    close,       // close the connection (no close_notify)
    reset,       // TCP reset: SO_LINGER 0, then close
    hang,        // send nothing more, until the client goes away
  };

  std::string head;  // status line and headers; empty: never answer
  std::size_t date_at = std::string::npos;  // offset of wire::date_placeholder in `head`
  std::string body;  // the events, then the tail
  std::vector<std::size_t> event_ends;  // where each event ends in `body`; the tail follows the last
  std::chrono::milliseconds delay{0};   // before each event
  std::chrono::milliseconds head_byte_delay{0};  // > 0: the head is written a byte at a time
  bool endless = false;                 // play the events again and again, never the tail
  std::size_t loop_from = 0;            // endless: the rounds after the first start at this event
  End end = End::keep_alive;

  // A 200 event stream with no events yet.
  static Plan stream();
  // A complete error answer with Google's headers and `json` as its body.
  static Plan error(int status, std::string_view json);
  // A non-Google answer (control endpoints), already serialized.
  static Plan plain(std::string response);

  // Appends `sse_event` as one chunk, to be written on its own when paced.
  Plan& add_event(std::string_view sse_event);
  // Appends `data` as one chunk of the tail (sent right after the last event).
  Plan& add_tail_chunk(std::string_view data);
  // Appends raw bytes to the tail.
  Plan& add_tail(std::string_view raw);
  // Appends the chunked terminator.
  Plan& terminate();

  std::string_view event(std::size_t i) const {
    std::size_t begin = i == 0 ? 0 : event_ends[i - 1];
    return std::string_view(body).substr(begin, event_ends[i] - begin);
  }
  std::string_view tail() const {
    return std::string_view(body).substr(event_ends.empty() ? 0 : event_ends.back());
  }
};

}  // namespace chatrelay::fake
