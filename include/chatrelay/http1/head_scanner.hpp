// A message head's line structure, checked before llhttp reads it (RFC 9112 §2.2, §5.2).
#pragma once

#include <cstddef>
#include <string_view>

namespace chatrelay::http1 {

// The line structure of a message head, checked before llhttp sees the bytes: llhttp 8.1 (even
// strict) accepts a bare LF as a line end, an empty header name and obs-fold (a header line
// continued on the next), and such disagreements between parsers are what request smuggling is
// made of. RFC 9112 lets a recipient refuse all three. Pure and resumable: feed it every read
// until done() (the blank line that ends the head); a fresh one per message.
class HeadScanner {
 public:
  // A scanner for a trailer section (after a chunked body's last chunk): no start line, and a
  // blank line at once ends it.
  static HeadScanner trailers() {
    HeadScanner s;
    s.lines_ = 1;
    return s;
  }

  struct Finding {
    std::size_t offset;  // of the offending byte, or of the end of the bytes when none
    const char* reason;  // nullptr: nothing wrong so far
  };
  Finding scan(std::string_view bytes);
  bool done() const { return done_; }

 private:
  std::size_t lines_ = 0;        // complete lines of this head (empty lines before it excluded)
  std::size_t line_length_ = 0;  // bytes of the current line so far, CR excluded
  bool after_cr_ = false;
  bool done_ = false;
};

}  // namespace chatrelay::http1
