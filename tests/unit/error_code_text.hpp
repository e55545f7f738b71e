// For tests: an ErrorCode compares with its wire name and prints as it, so a failed CHECK says
// "quota_exceeded == bad_request" rather than two numbers.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "chatrelay/core/error_code.hpp"

namespace chatrelay {
inline bool operator==(ErrorCode code, std::string_view wire) { return wire_name(code) == wire; }
}  // namespace chatrelay

namespace Catch {
template <>
struct StringMaker<chatrelay::ErrorCode> {
  static std::string convert(chatrelay::ErrorCode code) { return std::string(chatrelay::wire_name(code)); }
};
}  // namespace Catch
