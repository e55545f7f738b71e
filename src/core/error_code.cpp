// The table of error codes. A status chosen for a failure of the upstream is the gateway's
// (502/503/504), not the upstream's own: the client's request was fine.
#include "chatrelay/core/error_code.hpp"

#include <array>
#include <cassert>

namespace chatrelay {
namespace {

constexpr std::array<ErrorCodeInfo, 13> table{{
    {ErrorCode::quota_exceeded, "quota_exceeded", 429, true},
    {ErrorCode::invalid_api_key, "invalid_api_key", 502, false},
    {ErrorCode::model_not_found, "model_not_found", 404, false},
    {ErrorCode::bad_request, "bad_request", 400, false},
    {ErrorCode::upstream_unavailable, "upstream_unavailable", 503, true},
    {ErrorCode::upstream_timeout, "upstream_timeout", 504, false},
    {ErrorCode::upstream_protocol, "upstream_protocol", 502, false},
    {ErrorCode::blocked, "blocked", 400, false},
    {ErrorCode::incomplete, "incomplete", 502, false},
    {ErrorCode::empty_answer, "empty_answer", 502, false},
    {ErrorCode::shutting_down, "shutting_down", 503, false},
    {ErrorCode::history_unavailable, "history_unavailable", 503, false},
    {ErrorCode::internal, "internal", 500, false},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < table.size(); ++i)
    if (static_cast<std::size_t>(table[i].code) != i) return false;
  return true;
}
static_assert(in_enum_order(), "the table lists every ErrorCode in the enum's order");

}  // namespace

const ErrorCodeInfo& info(ErrorCode code) {
  const auto i = static_cast<std::size_t>(code);
  assert(i < table.size());
  return table[i];
}

std::optional<ErrorCode> error_code_from_wire(std::string_view wire) {
  for (const auto& row : table)
    if (row.wire == wire) return row.code;
  return std::nullopt;
}

}  // namespace chatrelay
