// Where a JSON text is broken, said the way Python's json module says it: FastAPI answers an
// invalid body with json.loads' message and position (DESIGN.md §1 "Body parsing").
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace chatrelay::chat {

struct JsonSyntaxError {
  std::size_t position;      // in characters (code points) from the start of `text`, as Python counts
  std::string_view message;  // e.g. "Expecting value", "Expecting ',' delimiter"
};

// The first error CPython's json.loads (3.11/3.12, strict) reports for `text` (valid UTF-8, any
// BOM already removed); nullopt when Python would accept it. Scans once, without recursion, so it
// is safe on any input. Python accepts what the JSON reader (simdjson) refuses in a few places (NaN, Infinity,
// numbers beyond 64 bits, lone surrogate escapes): for those it returns nullopt.
std::optional<JsonSyntaxError> find_json_error(std::string_view text);

}  // namespace chatrelay::chat
