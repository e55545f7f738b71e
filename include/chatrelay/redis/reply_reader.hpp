// The RESP2 reply parser: bytes in, whole replies out (hiredis's reader behind one wrapper). Pure:
// fed whatever a socket read gave, in any split, it hands out the same replies.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "chatrelay/redis/reply.hpp"

namespace chatrelay::redis {

// The bytes are not RESP, or a reply grew past the reader's bound: the connection is unusable.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ReplyReader {
 public:
  // A reply still incomplete once `max_reply_bytes` of it are buffered is refused: a server (or
  // something pretending to be one) cannot make the process hold an unbounded reply.
  explicit ReplyReader(std::size_t max_reply_bytes);
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  // Throws ProtocolError.
  void feed(std::string_view bytes);
  // The next whole reply, or nullopt until more bytes come. Throws ProtocolError.
  std::optional<Reply> next();

  struct Impl;  // also seen by the reply-object functions hiredis calls

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::redis
