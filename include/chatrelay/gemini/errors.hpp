// Mapping of Gemini's error answers (status + JSON body) to typed UpstreamErrors.
#pragma once

#include <string_view>

#include "chatrelay/gemini/events.hpp"

namespace chatrelay::gemini {

// From a non-200 HTTP answer. The body is Gemini's pretty-printed {"error":{code,message,status,
// details}} (possibly absent or garbage). 400 with reason API_KEY_INVALID, 401, 403 →
// invalid_api_key; 404 → model_not_found; other 400 → bad_request; 429 → quota_exceeded with
// RetryInfo.retryDelay ("58s", "34.4s") as retry_after_s and per_day_quota when a QuotaFailure
// quotaId says PerDay; 5xx → upstream_unavailable; anything else → upstream_protocol.
// The message is worded for the end user (what happened and what to do) and includes Gemini's
// own message. Never throws.
UpstreamError error_from_response(int http_status, std::string_view body);

// From an `{"error": {...}}` object found inside a 200 stream (already parsed by EventParser
// as far as code/message/status); classifies by its code the same way.
UpstreamError classify(int code, std::string_view status, std::string_view message,
                       std::string_view reason);

// Removes every occurrence of `secret` (when non-empty) from `text`, replacing it with "***".
void redact(std::string& text, std::string_view secret);

}  // namespace chatrelay::gemini
