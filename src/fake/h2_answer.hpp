// A plan's HTTP/1.1 answer bytes, as written, turned into what an HTTP/2 stream carries: the
// status and headers once the head is complete, then the de-chunked body, then its end. The
// scenarios and recordings stay one set of bytes for both protocols. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http1/message_parser.hpp"
#include "chatrelay/http2/session.hpp"

namespace chatrelay::fake {

class H2Answer {
 public:
  H2Answer();

  struct Out {
    std::optional<std::vector<http2::Header>> head;  // once, when the head completes
    std::string body;                                // body bytes of this write
    bool complete = false;                           // the answer ended in these bytes
    bool broken = false;                             // the bytes are not valid HTTP/1.1 framing
  };
  // The next bytes of the HTTP/1.1 answer.
  Out feed(std::string_view bytes);
  // The plan ends the connection after its bytes: true when the answer is then complete (a
  // body delimited by the close), false when it was cut short.
  bool finish();
  bool head_sent() const { return head_sent_; }

 private:
  http1::MessageParser parser_;
  bool head_sent_ = false;
};

}  // namespace chatrelay::fake
