// One RESP2 reply as the Redis client hands it out: a plain value tree, no library types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chatrelay::redis {

struct Reply {
  enum class Type { string, status, error, integer, nil, array };

  Type type = Type::nil;
  std::string text;             // string, status and error replies
  std::int64_t integer = 0;     // integer replies
  std::vector<Reply> elements;  // array replies

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
};

}  // namespace chatrelay::redis
