// Tests for gemini/errors: the recorded error bodies as HTTP answers and inside a 200 stream,
// garbage bodies, classification by code and status, the retry hints, redaction.
#include <catch2/catch.hpp>

#include "../error_code_text.hpp"

#include <cerrno>

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
        "Gemini rejected the API key. Check GEMINI_API_KEY.");

  // Gemini's message names the project: the user is told what to do, the log gets the rest.
  const auto denied =
      error_from_response(403, testing::recording("error-403-service-disabled.json"));
  CHECK(denied.message ==
        "Gemini refused access. Check GEMINI_API_KEY and that its project may use the Gemini API.");

  const auto missing =
      error_from_response(404, testing::recording("error-404-model-not-found.json"));
  CHECK(missing.message.starts_with(
      "Gemini model not found: models/this-model-does-not-exist-12345 is not found for API version "
      "v1beta"));
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
  CHECK(legacy.message == "Gemini quota exceeded. Wait a minute and try again.");  // it names the consumer
}

TEST_CASE("error_from_response: the detail is the operator's, the message the user's") {
  const auto denied =
      error_from_response(403, testing::recording("error-403-service-disabled.json"));
  CHECK(denied.detail.starts_with(
      "HTTP 403, PERMISSION_DENIED, SERVICE_DISABLED: Generative Language API has not been used in "
      "project 12345678 before or it is disabled"));
  CHECK_FALSE(mentions(denied.message, "12345678"));
  const auto legacy =
      error_from_response(429, testing::recording("error-429-legacy-rate-limit.json"));
  CHECK(legacy.detail.starts_with("HTTP 429, RESOURCE_EXHAUSTED, RATE_LIMIT_EXCEEDED: Quota exceeded"));
  CHECK(mentions(legacy.detail, "project_number:348715329010"));
  CHECK_FALSE(mentions(legacy.message, "348715329010"));
  const auto bad_key = error_from_response(400, testing::recording("error-400-api-key-invalid.json"));
  CHECK(bad_key.detail == "HTTP 400, INVALID_ARGUMENT, API_KEY_INVALID: API key not valid. Please pass a valid API key");
  CHECK_FALSE(mentions(bad_key.message, "API_KEY_INVALID"));
  CHECK(error_from_response(502, "<html>").detail == "HTTP 502");
  CHECK(classify(0, "", "", "").detail == "no status or message");
  // Capped in both registers.
  const auto long_one = classify(500, "INTERNAL", std::string(5000, 'x'), "");
  CHECK(long_one.detail.size() < 1100);
  CHECK(long_one.message.size() < 700);
  // A message naming a project or consumer id stays out of the chunk, whatever its wording.
  for (const char* named : {"Consumer 'projects/123' is suspended", "Project 98765 has no billing",
                            "denied for project_number:1"}) {
    INFO(named);
    const auto e = classify(403, "PERMISSION_DENIED", named, "");
    CHECK(e.message == "Gemini refused access. Check GEMINI_API_KEY and that its project may use the Gemini API.");
    CHECK(mentions(e.detail, named));
  }
  CHECK(classify(400, "INVALID_ARGUMENT", "The project field 12 is odd", "").message ==
        "Gemini rejected the request: The project field 12 is odd.");
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
  CHECK(absurd->message == "Gemini quota exceeded. Retry in 10000000s.");
  CHECK(absurd->detail == "code 429");
}

TEST_CASE("error_from_response: a PerDay quotaId marks a daily quota") {
  const std::string body =
      testing::replace_all(testing::recording("error-429-resource-exhausted.json"),
                           "PerMinutePerProjectPerModel", "PerDayPerProjectPerModel");
  const auto e = error_from_response(429, body);
  CHECK(wire_name(e.code) == "quota_exceeded");
  CHECK(e.per_day_quota);
  CHECK(e.message.starts_with("Gemini daily quota exceeded: You exceeded your current quota"));
  CHECK(e.message.ends_with("Try again tomorrow or use a key with a higher quota."));
  CHECK_FALSE(error_from_response(429, testing::recording("error-429-retryinfo-minimal.json"))
                  .per_day_quota);
}

TEST_CASE("error_from_response: the HTTP status decides, whatever the body") {
  CHECK(error_from_response(
            400, R"({"error":{"code":400,"message":"Bad field","status":"INVALID_ARGUMENT"}})")
            .message == "Gemini rejected the request: Bad field.");
  CHECK(error_from_response(401, "").code == "invalid_api_key");
  CHECK(error_from_response(500, "").code == "upstream_unavailable");
  CHECK(error_from_response(503, testing::recording("error-404-model-not-found.json")).code ==
        "upstream_unavailable");
  CHECK(error_from_response(302, "").code == "upstream_protocol");

  SECTION("garbage or empty bodies still give a sensible message") {
    const auto gateway = error_from_response(502, "<html><body>502 Bad Gateway</body></html>");
    CHECK(wire_name(gateway.code) == "upstream_unavailable");
    CHECK(gateway.message == "Gemini is unavailable. Try again in a moment.");
    CHECK(gateway.status.empty());
    CHECK(error_from_response(429, "").message ==
          "Gemini quota exceeded. Wait a minute and try again.");
    CHECK(error_from_response(404, "{\"error\":").message ==
          "Gemini model not found. Check GEMINI_MODEL.");
    CHECK(error_from_response(418, "\xFF\xFE").message ==
          "Gemini sent an answer chatrelay does not understand. Try again in a moment.");
    CHECK(error_from_response(418, "").detail == "HTTP 418");
    CHECK(error_from_response(400, "[]").message == "Gemini rejected the request.");
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
  CHECK(wire_name(e->code) == "upstream_unavailable");
  CHECK(e->message ==
        "Gemini is unavailable: Internal error encountered. Try again in a moment.");
  CHECK(e->detail == "INTERNAL: Internal error encountered");
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
        "Gemini reported an error: Cancelled.");

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
  std::string text = "key=s3cret-key&again=s3cret-key";
  redact(text, "s3cret-key");
  CHECK(text == "key=***&again=***");
  redact(text, "");
  CHECK(text == "key=***&again=***");
  std::string stars = "aaaaaaaaaaaaaaaa";
  redact(stars, "aaaaaaaa");
  CHECK(stars == "******");
}

TEST_CASE("redact: a short key does not garble ordinary words") {
  const std::string text =
      "Gemini rejected the API key. Check GEMINI_API_KEY and that its project may use the Gemini API.";
  for (const char* key : {"a", "e", "ke", "API", "the", "Gemi", "1234"}) {
    INFO(key);
    std::string copy = text;
    redact(copy, key);
    CHECK(copy == text);
  }
}

TEST_CASE("error_from_failure: the user's words, the operator's detail") {
  const auto out_of_fds = error_from_failure(
      FailedStep::connect, std::error_code(EMFILE, std::system_category()), "open a socket for 127.0.0.1:443", false);
  CHECK(wire_name(out_of_fds.code) == "upstream_unavailable");
  CHECK(out_of_fds.message == "chatrelay cannot open more connections right now; try again in a moment.");
  CHECK(out_of_fds.detail == "open a socket for 127.0.0.1:443 (EMFILE)");
  CHECK_FALSE(out_of_fds.lasting);
  CHECK(error_from_failure(FailedStep::connect, std::error_code(ENFILE, std::generic_category()), "x", false).message ==
        out_of_fds.message);

  const auto untrusted = error_from_failure(
      FailedStep::connect, std::error_code(167772294, std::generic_category()),
      "TLS handshake with example.com: error:0A000086:SSL routines::certificate verify failed (unable to get "
      "local issuer certificate)",
      true);
  CHECK(untrusted.lasting);
  CHECK(mentions(untrusted.message, "could not verify Gemini's TLS certificate"));
  CHECK(mentions(untrusted.message, "gemini.ca_file"));
  CHECK_FALSE(mentions(untrusted.message, "SSL"));
  CHECK_FALSE(mentions(untrusted.message, "issuer"));
  CHECK(mentions(untrusted.detail, "unable to get local issuer certificate"));

  const auto refused = error_from_failure(
      FailedStep::connect, std::error_code(ECONNREFUSED, std::system_category()), "connect 10.0.0.1:443: Connection refused", false);
  CHECK(refused.message == "Could not reach Gemini. Try again in a moment.");
  CHECK(refused.detail == "connect 10.0.0.1:443: Connection refused (ECONNREFUSED)");
  CHECK(error_from_failure(FailedStep::request, std::error_code(ECONNRESET, std::system_category()), "read", false)
            .message == "The connection to Gemini broke before the answer arrived. Try again in a moment.");
  CHECK(error_from_failure(FailedStep::answer, std::error_code(ECONNRESET, std::system_category()), "read", false)
            .message == "The connection to Gemini broke in the middle of the answer. Send the message again.");
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
        CHECK((wire_name(e.code) == "invalid_api_key" || wire_name(e.code) == "bad_request"));
      } else {
        CHECK(e.code == c.code);
      }
      CHECK_FALSE(e.message.empty());
      const auto in_stream = error_from_event(body);
      if (in_stream) CHECK_FALSE(in_stream->message.empty());
    }
  }
}
