// Mapping of Gemini's error answers (status + JSON body) to typed UpstreamErrors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "chatrelay/gemini/events.hpp"
#include "chatrelay/json/reader.hpp"

namespace chatrelay::gemini {

// From a non-200 HTTP answer. The body is Gemini's pretty-printed {"error":{code,message,status,
// details}} (possibly absent or garbage). 400 with reason API_KEY_INVALID, 401, 403 →
// invalid_api_key; 404 → model_not_found; other 400 → bad_request; 429 → quota_exceeded with
// RetryInfo.retryDelay ("58s", "34.4s") as retry_after_s and per_day_quota when a QuotaFailure
// quotaId says PerDay; 5xx → upstream_unavailable; anything else → upstream_protocol.
// Two registers (DESIGN.md §1): `message` is worded for the end user (what happened and what to
// do) and includes Gemini's own message unless that names the account (a project number, a
// consumer id); `detail` is for the operator's log (HTTP status, Gemini's status and reason, its
// whole message). Both capped; neither holds anything shaped like an API key. Never throws.
UpstreamError error_from_response(int http_status, std::string_view body);

// From the JSON text of a stream event (or raw block) whose top level has an "error" member:
// read like a response body, classified by the object's own code (then its status string), with
// http_status 0. nullopt when `json` is not an object with a well-formed "error" object.
// Never throws.
std::optional<UpstreamError> error_from_event(std::string_view json);
// The same for a document already parsed.
std::optional<UpstreamError> error_from_json(const json::Value& root);

// Classifies by `code` as error_from_response does by HTTP status; code 0 (absent) falls back to
// the status string (RESOURCE_EXHAUSTED, UNAVAILABLE, …). `reason` is the ErrorInfo reason. For
// quota errors without `retry_after_s`, a "Please retry in 58.2s" in `message` is used instead.
// Result's http_status is 0. Never throws.
UpstreamError classify(int code, std::string_view status, std::string_view message,
                       std::string_view reason, std::optional<double> retry_after_s = std::nullopt,
                       bool per_day_quota = false);

// How far a call had come when an I/O operation failed, for the wording of its error.
enum class FailedStep {
  connect,  // name lookup, socket, TCP connect, TLS handshake
  request,  // writing the request, or reading before the first event
  answer,   // after events were handed on
};

// An I/O failure of a call as an upstream_unavailable error. `what` is the operator's account of
// it (step, address, TLS text), the detail; the message says it in the user's terms: out of file
// descriptors (EMFILE, ENFILE), a certificate that failed verification (then `lasting`: a retry
// cannot help), an answer that broke off, or Gemini out of reach. Never throws.
UpstreamError error_from_failure(FailedStep step, const std::error_code& ec, std::string_view what,
                                 bool certificate_rejected);

// Secrets shorter than this are not searched for: a key of a few characters matches parts of
// ordinary words ("a", "key"), and masking those would garble the text. (Gemini's keys have 39.)
inline constexpr std::size_t min_redacted_secret = 8;

// Replaces every occurrence of `secret` in `text` with "***" (nothing when the secret is shorter
// than min_redacted_secret).
void redact(std::string& text, std::string_view secret);

}  // namespace chatrelay::gemini
