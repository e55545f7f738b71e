// What a Gemini {"error": {...}} object says, read from parsed JSON (private to src/gemini).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "chatrelay/json/reader.hpp"

namespace chatrelay::gemini {

// The views point into the json::Reader's document that was read.
struct ErrorFields {
  std::int64_t code = 0;
  std::string_view status;
  std::string_view message;
  std::string_view reason;  // the first ErrorInfo's reason
  std::optional<double> retry_delay_s;
  bool per_day_quota = false;
};

// A protobuf Duration as JSON ("58s", "34.4s"), or a hint's "613.5ms", in seconds.
std::optional<double> parse_seconds(std::string_view text);

// Reads the "error" member of `root` into `out`. False when `root` is not an object with an
// "error" object whose known members have the right types.
bool read_error_document(const json::Value& root, ErrorFields& out);

}  // namespace chatrelay::gemini
