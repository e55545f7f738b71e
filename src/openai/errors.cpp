// OpenAI-shaped errors: statuses, types and codes as OpenAI's API and SDKs use them.
#include "chatrelay/openai/errors.hpp"

#include <cmath>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::openai {
namespace {

ApiError server_error(int status, std::string message, std::string code, bool retryable = true) {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.code = std::move(code);
  e.retryable = retryable;
  return e;
}

std::string_view refusal_code(int status) {
  switch (status) {
    case 401: return "invalid_api_key";
    case 404: return "unknown_url";
    case 405: return "method_not_allowed";
    case 413: return "request_too_large";
    case 429: return "rate_limit_exceeded";
  }
  return {};
}

}  // namespace

ApiError invalid_request(std::string message, std::string param, std::string code) {
  ApiError e;
  e.status = 400;
  e.message = std::move(message);
  e.type = "invalid_request_error";
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

ApiError model_not_found(std::string_view model) {
  ApiError e = invalid_request("The model '" + std::string(model) +
                                   "' does not exist or is not served here. GET /v1/models lists the models this "
                                   "server offers.",
                               "model", "model_not_found");
  e.status = 404;
  return e;
}

ApiError from_upstream(const gemini::UpstreamError& error) {
  const ErrorCode code = error.code;
  if (code == ErrorCode::quota_exceeded) {
    ApiError e;
    e.status = 429;
    e.message = error.message;
    e.type = error.per_day_quota ? "insufficient_quota" : "requests";
    e.code = error.per_day_quota ? "insufficient_quota" : "rate_limit_exceeded";
    e.retry_after_s = error.retry_after_s;
    e.retryable = !error.per_day_quota;
    return e;
  }
  if (code == ErrorCode::model_not_found) {
    ApiError e = invalid_request(error.message, "model", "model_not_found");
    e.status = 404;
    return e;
  }
  if (code == ErrorCode::bad_request) return invalid_request(error.message, {}, "bad_request");
  // The rest are the gateway's failures, with the status of the one table (core/error_code.hpp).
  const int status = info(code).http_status;
  if (code == ErrorCode::invalid_api_key) return server_error(status, error.message, "upstream_invalid_api_key", false);
  return server_error(status, error.message, std::string(wire_name(code)),
                      code != ErrorCode::upstream_unavailable || !error.lasting);
}

http1::Response refusal(int status, std::string_view message) {
  ApiError e;
  e.status = status;
  e.message = std::string(message);
  e.type = status == 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
  e.code = std::string(refusal_code(status));
  return error_response(e);
}

void append_error(std::string& out, const ApiError& error) {
  out.append(R"({"error":)");
  json::ObjectWriter object(out);
  object.string("message", error.message).string("type", error.type);
  if (error.param.empty()) object.null("param");
  else object.string("param", error.param);
  if (error.code.empty()) object.null("code");
  else object.string("code", error.code);
  object.close();
  out.push_back('}');
}

http1::Response error_response(const ApiError& error) {
  http1::Response r;
  r.status = error.status;
  append_error(r.body, error);
  if (error.retry_after_s)
    r.header("Retry-After", std::to_string(static_cast<long>(std::ceil(std::max(*error.retry_after_s, 0.0)))));
  if (!error.retryable) r.header("x-should-retry", "false");
  return r;
}

}  // namespace chatrelay::openai
