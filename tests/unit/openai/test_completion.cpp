// Tests for openai/completion on Gemini's recorded streams: one chat.completion with the recorded
// text, never a thought as content, the finish_reason and usage; failures as errors.
#include "chatrelay/openai/completion.hpp"

#include "support.hpp"

using namespace chatrelay::openai;
using namespace chatrelay::openai::testing;
using chatrelay::gemini::EventData;
namespace dom = simdjson::dom;

namespace {

const Identity identity{"chatcmpl-00112233445566778899aabbccddeeff", 1735689600, "gemini-2.5-flash"};

// The chat.completion of a recording, parsed into `parser`'s document.
dom::element completed(dom::parser& parser, const std::string& recording, bool reasoning) {
  CompletionCollector collector(reasoning);
  REQUIRE(collector.feed(recorded_events(recording)));
  auto r = collector.end(identity, std::nullopt);
  if (auto* e = std::get_if<ApiError>(&r)) FAIL("error: " << e->message);
  dom::element doc;
  REQUIRE(parser.parse(std::get<std::string>(r)).get(doc) == simdjson::SUCCESS);
  return doc;
}

}  // namespace

TEST_CASE("completion: every recording as one chat.completion") {
  for (const auto& name : chatrelay::gemini::testing::recordings(".sse")) {
    INFO(name);
    const Recorded recorded = read_recording(name);
    dom::parser parser;
    const dom::element doc = completed(parser, name, false);
    CHECK(std::string_view(doc["id"]) == identity.id);
    CHECK(std::string_view(doc["object"]) == "chat.completion");
    CHECK(std::int64_t(doc["created"]) == identity.created);
    CHECK(std::string_view(doc["model"]) == identity.model);
    dom::array choices = doc["choices"];
    REQUIRE(choices.size() == 1);
    dom::element message = choices.at(0)["message"];
    CHECK(std::string_view(message["role"]) == "assistant");
    CHECK(std::string_view(message["content"]) == recorded.text);
    CHECK(message["reasoning_content"].error() == simdjson::NO_SUCH_FIELD);
    const std::string_view finish = choices.at(0)["finish_reason"];
    CHECK(finish == expected_finish(name));
    if (recorded.total_tokens >= 0) {
      CHECK(std::int64_t(doc["usage"]["prompt_tokens"]) == recorded.prompt_tokens);
      CHECK(std::int64_t(doc["usage"]["completion_tokens"]) == recorded.candidates_tokens + recorded.thoughts_tokens);
      CHECK(std::int64_t(doc["usage"]["total_tokens"]) == recorded.total_tokens);
    } else {
      CHECK(doc["usage"].is_null());
    }
  }
}

TEST_CASE("completion: with reasoning on, thoughts are reasoning_content") {
  const std::string name = "thinking-2.5-flash-thoughts.sse";
  const Recorded recorded = read_recording(name);
  dom::parser parser;
  const dom::element doc = completed(parser, name, true);
  CHECK(std::string_view(doc["choices"].at(0)["message"]["reasoning_content"]) == recorded.thought);
  CHECK(std::string_view(doc["choices"].at(0)["message"]["content"]) == recorded.text);
}

TEST_CASE("completion: the exact body of a short answer") {
  CompletionCollector collector(false);
  EventData ev;
  ev.text = "Hello";
  ev.finish_reason = "STOP";
  ev.usage = chatrelay::gemini::Usage{3, 1, 0, 4};
  REQUIRE(collector.feed(std::span<const EventData>(&ev, 1)));
  auto r = collector.end({"chatcmpl-1", 7, "m"}, std::nullopt);
  CHECK(std::get<std::string>(r) ==
        R"({"id":"chatcmpl-1","object":"chat.completion","created":7,"model":"m","choices":[{"index":0,)"
        R"("message":{"role":"assistant","content":"Hello","refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
        R"("usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}})");
}

TEST_CASE("completion: a failure, even after text, is the error (nothing went out yet)") {
  CompletionCollector collector(false);
  EventData ev;
  ev.text = "Hel";
  REQUIRE(collector.feed(std::span<const EventData>(&ev, 1)));
  chatrelay::gemini::UpstreamError e;
  e.code = chatrelay::ErrorCode::upstream_timeout;
  e.message = "Gemini stopped sending in the middle of the answer.";
  auto r = collector.end(identity, e);
  REQUIRE(std::holds_alternative<ApiError>(r));
  CHECK(std::get<ApiError>(r).status == 504);
}

TEST_CASE("completion: an answer past the bound stops the call") {
  CompletionCollector collector(false);
  EventData ev;
  ev.text = std::string(1024 * 1024, 'x');
  for (int i = 0; i < 8; ++i) REQUIRE(collector.feed(std::span<const EventData>(&ev, 1)));
  CHECK_FALSE(collector.feed(std::span<const EventData>(&ev, 1)));
  CHECK(CompletionCollector::too_large().status == 502);
  CHECK(CompletionCollector::too_large().code == "upstream_protocol");
}
