// OpenAI's error shape, {"error":{"message","type","param","code"}}, with the HTTP status the SDKs
// map to their error classes (DESIGN.md §1, OpenAI-compatible API).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chatrelay/gemini/events.hpp"
#include "chatrelay/http1/response.hpp"

namespace chatrelay::openai {

struct ApiError {
  int status = 500;
  std::string message;                    // for a person: what happened and what to do
  std::string_view type = "server_error";  // invalid_request_error, requests, insufficient_quota, server_error
  std::string param;                      // the request field at fault; "" is null
  std::string code;                       // "" is null
  std::optional<double> retry_after_s;    // sent as Retry-After (whole seconds, rounded up)
  bool retryable = true;                  // false: x-should-retry: false (the SDKs then do not retry)
};

// A 400 about the request body; `param` names the field ("messages[0].content"), "" for none.
ApiError invalid_request(std::string message, std::string param = {}, std::string code = {});

// 404 model_not_found: `model` is not one of the served models (gemini.models).
ApiError model_not_found(std::string_view model);

// The answer to a call that failed before any content went out (codes: DESIGN.md §1):
// quota_exceeded → 429 rate_limit_exceeded (insufficient_quota for a daily quota); model_not_found
// → 404; bad_request → 400; invalid_api_key (chatrelay's own Gemini key) → 502, not 401: the
// client's credentials are fine, the gateway's are not; upstream_unavailable → 503;
// upstream_timeout → 504; upstream_protocol and incomplete → 502; anything else → 500. What cannot
// heal by retrying (a refused key, a certificate, a daily quota) says x-should-retry: false.
ApiError from_upstream(const gemini::UpstreamError& error);

// The server's own refusals (401, 404, 405, 413, 429, ...) on /v1 paths, as OpenAI words them:
// a 401 is invalid_api_key, a 429 rate_limit_exceeded. For http::Router::refusals_under.
http1::Response refusal(int status, std::string_view message);

// Appends {"error":{"message":…,"type":…,"param":…,"code":…}}.
void append_error(std::string& out, const ApiError& error);

// The complete HTTP answer: status, the error body, Retry-After and x-should-retry when they apply.
http1::Response error_response(const ApiError& error);

}  // namespace chatrelay::openai
