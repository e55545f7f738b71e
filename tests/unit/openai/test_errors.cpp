// Tests for openai/errors: OpenAI's error body, and the status, type, code and headers each
// upstream failure gets (the SDKs pick their error class, and whether to retry, from these).
#include "chatrelay/openai/errors.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::openai;
using chatrelay::gemini::UpstreamError;

namespace {

UpstreamError upstream(std::string code) {
  UpstreamError e;
  e.code = *chatrelay::error_code_from_wire(code);
  e.message = "what happened, in the user's words";
  return e;
}

std::string header(const chatrelay::http1::Response& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return "(none)";
}

}  // namespace

TEST_CASE("errors: the body is OpenAI's, null param and code when unknown") {
  std::string out;
  append_error(out, invalid_request("Bad \"x\"."));
  CHECK(out == R"({"error":{"message":"Bad \"x\".","type":"invalid_request_error","param":null,"code":null}})");
  out.clear();
  append_error(out, invalid_request("m", "messages[0].role", "invalid_value"));
  CHECK(out ==
        R"({"error":{"message":"m","type":"invalid_request_error","param":"messages[0].role","code":"invalid_value"}})");
}

TEST_CASE("errors: each upstream failure's status, type and code") {
  struct Case {
    const char* code;
    int status;
    std::string_view type;
    const char* openai_code;
    bool retryable;
  };
  const Case cases[] = {
      {"quota_exceeded", 429, "requests", "rate_limit_exceeded", true},
      {"model_not_found", 404, "invalid_request_error", "model_not_found", true},
      {"bad_request", 400, "invalid_request_error", "bad_request", true},
      {"invalid_api_key", 502, "server_error", "upstream_invalid_api_key", false},
      {"upstream_unavailable", 503, "server_error", "upstream_unavailable", true},
      {"upstream_timeout", 504, "server_error", "upstream_timeout", true},
      {"upstream_protocol", 502, "server_error", "upstream_protocol", true},
      {"incomplete", 502, "server_error", "incomplete", true},
      {"internal", 500, "server_error", "internal", true},
  };
  for (const auto& c : cases) {
    INFO(c.code);
    const ApiError e = from_upstream(upstream(c.code));
    CHECK(e.status == c.status);
    CHECK(e.type == c.type);
    CHECK(e.code == c.openai_code);
    CHECK(e.retryable == c.retryable);
    CHECK(e.message == "what happened, in the user's words");
  }
}

TEST_CASE("errors: a quota error carries Retry-After, rounded up; a daily quota is not retried") {
  UpstreamError q = upstream("quota_exceeded");
  q.retry_after_s = 57.2;
  const auto r = error_response(from_upstream(q));
  CHECK(r.status == 429);
  CHECK(header(r, "Retry-After") == "58");
  CHECK(header(r, "x-should-retry") == "(none)");
  q.per_day_quota = true;
  const ApiError daily = from_upstream(q);
  CHECK(daily.type == "insufficient_quota");
  CHECK(daily.code == "insufficient_quota");
  CHECK(header(error_response(daily), "x-should-retry") == "false");
}

TEST_CASE("errors: a certificate that fails verification is not retried by the SDK either") {
  UpstreamError cert = upstream("upstream_unavailable");
  cert.lasting = true;
  const auto r = error_response(from_upstream(cert));
  CHECK(r.status == 503);
  CHECK(header(r, "x-should-retry") == "false");
}

TEST_CASE("errors: the server's own refusals on /v1 in OpenAI's shape") {
  const auto unauthorized = refusal(401, "Not authenticated");
  CHECK(unauthorized.status == 401);
  CHECK(unauthorized.body ==
        R"({"error":{"message":"Not authenticated","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  const auto limited = refusal(429, "Too many requests from this address; slow down.");
  CHECK(limited.body == R"({"error":{"message":"Too many requests from this address; slow down.","type":"requests",)"
                        R"("param":null,"code":"rate_limit_exceeded"}})");
  CHECK(refusal(404, "Not Found").body ==
        R"({"error":{"message":"Not Found","type":"invalid_request_error","param":null,"code":"unknown_url"}})");
  CHECK(refusal(500, "Internal Server Error").body ==
        R"({"error":{"message":"Internal Server Error","type":"server_error","param":null,"code":null}})");
}

TEST_CASE("errors: model_not_found names the model and where the list is") {
  const ApiError e = model_not_found("gpt-4o");
  CHECK(e.status == 404);
  CHECK(e.param == "model");
  CHECK(e.code == "model_not_found");
  CHECK_THAT(e.message, Catch::Contains("'gpt-4o'") && Catch::Contains("GET /v1/models"));
}
