// Tests for gemini/errors: the recorded error bodies as HTTP answers and inside a 200 stream,
// garbage bodies, classification by code and status, the retry hints, redaction.
#include <catch2/catch.hpp>

#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/gemini/event_parser.hpp"
#include "recordings.hpp"

using namespace chatrelay::gemini;

namespace {

struct ErrorCase {
  const char* file;
  int http_status;
  const char* code;
  const char* status;
  std::optional<double> retry_after_s;
  bool per_day_quota;
};

const ErrorCase recorded_errors[] = {
    {"error-400-api-key-invalid.json", 400, "invalid_api_key", "INVALID_ARGUMENT", {}, false},
    {"error-403-service-disabled.json", 403, "invalid_api_key", "PERMISSION_DENIED", {}, false},
    {"error-404-model-not-found.json", 404, "model_not_found", "NOT_FOUND", {}, false},
    {"error-429-resource-exhausted.json", 429, "quota_exceeded", "RESOURCE_EXHAUSTED", 58.0, false},
    {"error-429-retryinfo-minimal.json", 429, "quota_exceeded", "RESOURCE_EXHAUSTED", 34.4, false},
    {"error-429-legacy-rate-limit.json", 429, "quota_exceeded", "RESOURCE_EXHAUSTED", {}, false},
};

bool mentions(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("error_from_response: every recorded error body with its HTTP status") {
  for (const auto& c : recorded_errors) {
    INFO(c.file);
    const UpstreamError e = error_from_response(c.http_status, testing::recording(c.file));
    CHECK(e.code == c.code);
    CHECK(e.http_status == c.http_status);
    CHECK(e.status == c.status);
    CHECK(e.retry_after_s == c.retry_after_s);
    CHECK(e.per_day_quota == c.per_day_quota);
    CHECK_FALSE(e.message.empty());
    CHECK(e.message.find('\n') == std::string::npos);
  }
}

TEST_CASE("error_from_response: the messages say what happened and what to do") {
  CHECK(error_from_response(400, testing::recording("error-400-api-key-invalid.json")).message ==
        "Gemini rejected the API key (API_KEY_INVALID). Check GEMINI_API_KEY.");

  const auto denied =
      error_from_response(403, testing::recording("error-403-service-disabled.json"));
  CHECK(denied.message.starts_with(
      "Gemini refused access (HTTP 403, PERMISSION_DENIED, SERVICE_DISABLED): Generative "
      "Language API has not been used in project 12345678"));
  CHECK(denied.message.ends_with(
      "Check GEMINI_API_KEY and that its project may use the Gemini API."));

  const auto missing =
      error_from_response(404, testing::recording("error-404-model-not-found.json"));
  CHECK(missing.message.starts_with(
      "Gemini model not found (HTTP 404, NOT_FOUND): models/this-model-does-not-exist-12345 is not "
      "found for API version v1beta"));
  CHECK(missing.message.ends_with("Check GEMINI_MODEL."));

  // Gemini's own "Please retry in 58.217843437s." gives way to the RetryInfo delay.
  CHECK(
      error_from_response(429, testing::recording("error-429-resource-exhausted.json")).message ==
      "Gemini quota exceeded: You exceeded your current quota, please check your plan and billing "
      "details. For more information on this error, head to: "
      "https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: "
      "https://ai.dev/rate-limit. * Quota exceeded for metric: "
      "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 5, model: "
      "gemini-3-flash. Retry in 58s.");
  CHECK(error_from_response(429, testing::recording("error-429-retryinfo-minimal.json")).message ==
        "Gemini quota exceeded: You exceeded your current quota, please check your plan. Retry in "
        "35s.");
  const auto legacy =
      error_from_response(429, testing::recording("error-429-legacy-rate-limit.json"));
  CHECK(
      legacy.message.starts_with("Gemini quota exceeded: Quota exceeded for quota metric "
                                 "'Generate Content API requests per minute'"));
  CHECK(legacy.message.ends_with("Wait a minute and try again."));
}

TEST_CASE("error_from_response: retry delay from the message text when RetryInfo is missing") {
  std::string body = testing::recording("error-429-resource-exhausted.json");
  const auto retry_info = body.find(R"(,
      {
        "@type": "type.googleapis.com/google.rpc.RetryInfo")");
  REQUIRE(retry_info != std::string::npos);
  body.erase(retry_info, body.find('}', retry_info) + 1 - retry_info);
  const auto e = error_from_response(429, body);
  REQUIRE(e.retry_after_s);
  CHECK(*e.retry_after_s == Approx(58.217843437));
  CHECK(e.message.ends_with("model: gemini-3-flash. Retry in 59s."));

  CHECK(classify(429, "", "Slow down. Please retry in 613.5ms.", "").retry_after_s ==
        Approx(0.6135));
  CHECK(classify(429, "", "Slow down.", "").retry_after_s == std::nullopt);
  CHECK(classify(429, "", "Please retry in soon.", "").retry_after_s == std::nullopt);
  const auto absurd = error_from_event(R"({"error":{"code":429,"details":[
    {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1e300s"}]}})");
  REQUIRE(absurd);
  CHECK(absurd->retry_after_s == 1e7);
  CHECK(absurd->message == "Gemini quota exceeded (code 429). Retry in 10000000s.");
}

TEST_CASE("error_from_response: a PerDay quotaId marks a daily quota") {
  const std::string body =
      testing::replace_all(testing::recording("error-429-resource-exhausted.json"),
                           "PerMinutePerProjectPerModel", "PerDayPerProjectPerModel");
  const auto e = error_from_response(429, body);
  CHECK(e.code == "quota_exceeded");
  CHECK(e.per_day_quota);
  CHECK(e.message.starts_with("Gemini daily quota exceeded: You exceeded your current quota"));
  CHECK(e.message.ends_with("Try again tomorrow or use a key with a higher quota."));
  CHECK_FALSE(error_from_response(429, testing::recording("error-429-retryinfo-minimal.json"))
                  .per_day_quota);
}

TEST_CASE("error_from_response: the HTTP status decides, whatever the body") {
  CHECK(error_from_response(
            400, R"({"error":{"code":400,"message":"Bad field","status":"INVALID_ARGUMENT"}})")
            .message == "Gemini rejected the request (HTTP 400, INVALID_ARGUMENT): Bad field.");
  CHECK(error_from_response(401, "").code == "invalid_api_key");
  CHECK(error_from_response(500, "").code == "upstream_unavailable");
  CHECK(error_from_response(503, testing::recording("error-404-model-not-found.json")).code ==
        "upstream_unavailable");
  CHECK(error_from_response(302, "").code == "upstream_protocol");

  SECTION("garbage or empty bodies still give a sensible message") {
    const auto gateway = error_from_response(502, "<html><body>502 Bad Gateway</body></html>");
    CHECK(gateway.code == "upstream_unavailable");
    CHECK(gateway.message == "Gemini is unavailable (HTTP 502). Try again in a moment.");
    CHECK(gateway.status.empty());
    CHECK(error_from_response(429, "").message ==
          "Gemini quota exceeded (HTTP 429). Wait a minute and try again.");
    CHECK(error_from_response(404, "{\"error\":").message ==
          "Gemini model not found (HTTP 404). Check GEMINI_MODEL.");
    CHECK(error_from_response(418, "\xFF\xFE").message ==
          "Gemini answered with unexpected HTTP status 418.");
    CHECK(error_from_response(400, "[]").message == "Gemini rejected the request (HTTP 400).");
  }
}

TEST_CASE("error_from_response: anything shaped like an API key is masked") {
  const auto e = error_from_response(
      400,
      R"({"error":{"code":400,"message":"Key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q is odd","status":"INVALID_ARGUMENT"}})");
  CHECK_FALSE(mentions(e.message, "AIzaSy"));
  CHECK(mentions(e.message, "Key *** is odd"));
}

TEST_CASE("recorded error bodies appended raw to a 200 stream become an error event") {
  const std::string stream = testing::recording("text-multichunk-2.5-flash.sse");
  for (const auto& c : recorded_errors) {
    INFO(c.file);
    const std::string body = stream + testing::recording(c.file);
    // Any split of the combined body gives: two data events, then the raw error block.
    for (std::size_t split :
         {std::size_t{0}, stream.size() - 1, stream.size(), stream.size() + 3, body.size() - 1}) {
      std::vector<testing::DecodedEvent> events;
      SseDecoder decoder;
      const auto sink = [&](std::string_view data, bool raw) {
        events.push_back({std::string(data), raw});
      };
      decoder.feed(std::string_view(body).substr(0, split), sink);
      decoder.feed(std::string_view(body).substr(split), sink);
      decoder.finish(sink);
      REQUIRE(events.size() == 3);
      CHECK_FALSE(events[0].raw);
      CHECK_FALSE(events[1].raw);
      CHECK(events[2].raw);

      EventParser parser;
      EventData out;
      REQUIRE(parser.parse(events[1].data, out) == EventParser::Result::ok);
      CHECK_FALSE(out.error);
      REQUIRE(parser.parse(events[2].data, out) == EventParser::Result::ok);
      REQUIRE(out.error);
      CHECK(out.error->code == c.code);
      CHECK(out.error->http_status == 0);
      CHECK(out.error->status == c.status);
      CHECK(out.error->retry_after_s == c.retry_after_s);
      CHECK(out.text.empty());
    }
  }
}

TEST_CASE("error_from_event: only an object with an error object") {
  CHECK_FALSE(error_from_event("{}"));
  CHECK_FALSE(error_from_event("{\"error\":[]}"));
  CHECK_FALSE(error_from_event("not json"));
  CHECK_FALSE(error_from_event(R"({"error":{"details":[{"@type":"x","reason":7}]}})"));
  const auto e = error_from_event(
      R"({"error":{"message":"Internal error encountered.","status":"INTERNAL"}})");
  REQUIRE(e);
  CHECK(e->code == "upstream_unavailable");
  CHECK(e->message ==
        "Gemini is unavailable (INTERNAL): Internal error encountered. Try again in a moment.");
}

TEST_CASE("classify: by code, else by status string") {
  CHECK(classify(400, "INVALID_ARGUMENT", "API key not valid.", "API_KEY_INVALID").code ==
        "invalid_api_key");
  CHECK(classify(400, "FAILED_PRECONDITION", "User location is not supported.", "").code ==
        "bad_request");
  CHECK(classify(401, "UNAUTHENTICATED", "", "").code == "invalid_api_key");
  CHECK(classify(403, "PERMISSION_DENIED", "", "").code == "invalid_api_key");
  CHECK(classify(404, "NOT_FOUND", "", "").code == "model_not_found");
  CHECK(classify(429, "RESOURCE_EXHAUSTED", "", "").code == "quota_exceeded");
  CHECK(classify(500, "INTERNAL", "", "").code == "upstream_unavailable");
  CHECK(classify(503, "UNAVAILABLE", "", "").code == "upstream_unavailable");
  CHECK(classify(0, "RESOURCE_EXHAUSTED", "", "").code == "quota_exceeded");
  CHECK(classify(0, "UNAVAILABLE", "", "").code == "upstream_unavailable");
  CHECK(classify(0, "PERMISSION_DENIED", "", "").code == "invalid_api_key");
  CHECK(classify(0, "", "", "").code == "upstream_protocol");
  CHECK(classify(0, "", "", "").message == "Gemini reported an error.");
  CHECK(classify(499, "CANCELLED", "Cancelled.", "").message ==
        "Gemini reported an error (CANCELLED): Cancelled.");

  const auto quota = classify(429, "RESOURCE_EXHAUSTED", "Too many.", "", 12.2, false);
  CHECK(quota.retry_after_s == 12.2);
  CHECK(quota.message == "Gemini quota exceeded: Too many. Retry in 13s.");
  CHECK(classify(429, "RESOURCE_EXHAUSTED", "Too many.", "", 0.2, false).message ==
        "Gemini quota exceeded: Too many. Retry in 1s.");
  CHECK(classify(429, "RESOURCE_EXHAUSTED", "Too many.", "", 5.0, true).per_day_quota);
  CHECK_FALSE(classify(503, "UNAVAILABLE", "", "", 5.0, true).per_day_quota);
}

TEST_CASE("classify: long messages are capped on a character boundary") {
  std::string message;
  for (int i = 0; i < 400; ++i) message += "\xC3\xA9";  // é, 800 bytes
  const auto e = classify(400, "INVALID_ARGUMENT", message, "");
  CHECK(e.message.size() < 700);
  CHECK(mentions(e.message, "\xC3\xA9\u2026"));
}

TEST_CASE("redact replaces every occurrence of the secret") {
  std::string text = "key=s3cret&again=s3cret";
  redact(text, "s3cret");
  CHECK(text == "key=***&again=***");
  redact(text, "");
  CHECK(text == "key=***&again=***");
  std::string stars = "aaaa";
  redact(stars, "a");
  CHECK(stars == "************");
}

TEST_CASE("error_from_response survives mutated error bodies") {
  std::uint64_t state = 0x2545F4914F6CDD1Du;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (const auto& c : recorded_errors) {
    const std::string original = testing::recording(c.file);
    for (int round = 0; round < 200; ++round) {
      std::string body = original;
      for (int edits = 1 + static_cast<int>(next() % 4); edits > 0 && !body.empty(); --edits) {
        const std::size_t at = next() % body.size();
        if (next() % 2 == 0) {
          body[at] = "{}[]\",:0 \\\xC3"[next() % 12];
        } else {
          body.erase(at, 1 + next() % 32);
        }
      }
      const auto e = error_from_response(c.http_status, body);
      // The status decides; only a 400 also needs the body (its reason) to say "invalid key".
      if (c.http_status == 400) {
        CHECK((e.code == "invalid_api_key" || e.code == "bad_request"));
      } else {
        CHECK(e.code == c.code);
      }
      CHECK_FALSE(e.message.empty());
      const auto in_stream = error_from_event(body);
      if (in_stream) CHECK_FALSE(in_stream->message.empty());
    }
  }
}
