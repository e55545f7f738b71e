// The error codes of the contract (DESIGN.md §1): one enum, and one table of their wire names,
// the HTTP status each maps to where a status is sent, and whether a call that failed with it
// before any event may be tried again.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chatrelay {

enum class ErrorCode : std::uint8_t {
  quota_exceeded,
  invalid_api_key,
  model_not_found,
  bad_request,
  upstream_unavailable,
  upstream_timeout,
  upstream_protocol,
  blocked,
  incomplete,
  empty_answer,
  shutting_down,
  history_unavailable,
  internal,
};

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view wire;  // the `code` of an error chunk
  int http_status;        // where the error is a status (the /v1 API): what a client expects
  bool retryable;         // before the first event, a retry may succeed (quota: unless per day)
};

const ErrorCodeInfo& info(ErrorCode code);
inline std::string_view wire_name(ErrorCode code) { return info(code).wire; }
// The code whose wire name is `wire`, or nullopt.
std::optional<ErrorCode> error_code_from_wire(std::string_view wire);

}  // namespace chatrelay
