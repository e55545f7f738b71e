// Typed events decoded from one Gemini streamGenerateContent SSE event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chatrelay/core/error_code.hpp"

namespace chatrelay::gemini {

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;  // candidatesTokenCount (+ thoughtsTokenCount is separate)
  std::int64_t thoughts_tokens = 0;
  std::int64_t total_tokens = 0;
};

// A typed upstream error, from a non-200 answer or an error object inside a 200 stream.
struct UpstreamError {
  ErrorCode code = ErrorCode::internal;  // DESIGN.md §1
  std::string message;  // for the end user, in their terms; never the API key nor operator details
  std::string detail;   // for the operator's log line: statuses, reasons, errno or TLS text
  int http_status = 0;  // 0 when not from an HTTP status
  std::string status;   // Gemini's status string, e.g. RESOURCE_EXHAUSTED
  std::optional<double> retry_after_s;  // RetryInfo.retryDelay
  bool per_day_quota = false;           // a daily quota: retrying soon cannot help
  bool lasting = false;  // will not heal in seconds either (a certificate that fails verification)
};

// Everything one SSE event carried. Text and thought text are the concatenation of the event's
// parts (first candidate), in order.
struct EventData {
  std::string text;
  std::string thought;
  std::optional<std::string> finish_reason;
  std::optional<Usage> usage;
  std::optional<std::string> block_reason;  // promptFeedback.blockReason
  std::optional<std::string> model_version;
  std::optional<UpstreamError> error;  // {"error": {...}} object
};

// Whether a finishReason means "stopped for policy reasons" rather than "done": SAFETY,
// RECITATION, PROHIBITED_CONTENT, BLOCKLIST, SPII, IMAGE_SAFETY, LANGUAGE.
bool is_policy_stop(std::string_view finish_reason);

}  // namespace chatrelay::gemini
