// Tests for openai/answer: Gemini's finish reasons and usage in OpenAI's terms, and how an
// answer ends.
#include "chatrelay/openai/answer.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::openai;
using chatrelay::gemini::EventData;
using chatrelay::gemini::Usage;

TEST_CASE("answer: finish reasons") {
  CHECK(finish_reason("STOP") == "stop");
  CHECK(finish_reason("MAX_TOKENS") == "length");
  for (auto r : {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "LANGUAGE"}) {
    INFO(r);
    CHECK(finish_reason(r) == "content_filter");
  }
  CHECK(finish_reason("OTHER") == "stop");
  CHECK(finish_reason("FINISH_REASON_UNSPECIFIED") == "stop");
}

TEST_CASE("answer: usage counts thoughts as completion tokens, as OpenAI counts reasoning") {
  std::string out;
  append_usage(out, Usage{12, 30, 0, 42});
  CHECK(out == R"({"prompt_tokens":12,"completion_tokens":30,"total_tokens":42})");
  out.clear();
  append_usage(out, Usage{8, 40, 1024, 1072});
  CHECK(out == R"({"prompt_tokens":8,"completion_tokens":1064,"total_tokens":1072,)"
               R"("completion_tokens_details":{"reasoning_tokens":1024}})");
  out.clear();
  append_usage(out, Usage{8, 2, 0, 0});  // no total given: the sum
  CHECK(out == R"({"prompt_tokens":8,"completion_tokens":2,"total_tokens":10})");
  out.clear();
  append_usage(out, std::nullopt);
  CHECK(out == "null");
}

TEST_CASE("answer: endings") {
  SECTION("a finish reason is the ending, with or without text") {
    Answer a;
    EventData ev;
    ev.finish_reason = "MAX_TOKENS";
    a.take(ev);
    CHECK_FALSE(a.any_text());
    const auto end = a.ending(std::nullopt);
    CHECK_FALSE(end.error);
    CHECK(end.finish_reason == "length");
  }
  SECTION("a blocked prompt is content_filter") {
    Answer a;
    EventData ev;
    ev.block_reason = "PROHIBITED_CONTENT";
    a.take(ev);
    CHECK(a.ending(std::nullopt).finish_reason == "content_filter");
  }
  SECTION("no finish reason: stop after text, else a 502 incomplete") {
    Answer a;
    CHECK(a.ending(std::nullopt).error->status == 502);
    CHECK(a.ending(std::nullopt).error->code == "incomplete");
    EventData thought;
    thought.thought = "thinking is not an answer";
    a.take(thought);
    CHECK(a.ending(std::nullopt).error);
    EventData text;
    text.text = "Hello";
    a.take(text);
    CHECK(a.any_text());
    CHECK(a.ending(std::nullopt).finish_reason == "stop");
  }
  SECTION("an upstream error wins") {
    Answer a;
    EventData ev;
    ev.text = "Hello";
    ev.finish_reason = "STOP";
    a.take(ev);
    chatrelay::gemini::UpstreamError e;
    e.code = chatrelay::ErrorCode::upstream_timeout;
    const auto end = a.ending(e);
    REQUIRE(end.error);
    CHECK(end.error->status == 504);
  }
}
