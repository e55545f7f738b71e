// Tests for gemini/request_builder: merged same-role turns, escaping, config presence.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include "chatrelay/gemini/request_builder.hpp"

using namespace chatrelay::gemini;
using chatrelay::memory::Role;
using chatrelay::memory::Turn;

namespace {

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  REQUIRE(parser.parse(body).get(doc) == simdjson::SUCCESS);
  return doc;
}

}  // namespace

TEST_CASE("build_request_body: one user turn, no options") {
  CHECK(build_request_body({{Role::user, "Hi"}}, {}) ==
        R"({"contents":[{"role":"user","parts":[{"text":"Hi"}]}]})");
}

TEST_CASE("build_request_body: consecutive turns of one role are merged") {
  const std::vector<Turn> turns = {{Role::user, "a"},  {Role::user, "b"},  {Role::model, "c"},
                                   {Role::model, "d"}, {Role::model, "e"}, {Role::user, "f"}};
  CHECK(build_request_body(turns, {}) ==
        R"({"contents":[{"role":"user","parts":[{"text":"a\n\nb"}]},)"
        R"({"role":"model","parts":[{"text":"c\n\nd\n\ne"}]},)"
        R"({"role":"user","parts":[{"text":"f"}]}]})");
}

TEST_CASE("build_request_body: texts are escaped and round-trip") {
  const std::string text = "quote \" backslash \\ newline \n tab \t nul " + std::string(1, '\0') +
                           " ctl \x01 </script> \xC3\xA9 \xF0\x9F\x98\x80";
  const std::string body =
      build_request_body({{Role::user, text}}, {.system_prompt = "Be \"brief\"\n"});
  simdjson::dom::parser parser;
  const auto doc = parse_json(parser, body);
  std::string_view got;
  REQUIRE(doc.at_pointer("/contents/0/parts/0/text").get(got) == simdjson::SUCCESS);
  CHECK(got == text);
  REQUIRE(doc.at_pointer("/systemInstruction/parts/0/text").get(got) == simdjson::SUCCESS);
  CHECK(got == "Be \"brief\"\n");
  // Invalid UTF-8 still gives valid JSON.
  const std::string bad = build_request_body({{Role::user, "\xFF\xFE"}}, {});
  simdjson::dom::element ignored;
  CHECK(parser.parse(bad).get(ignored) == simdjson::SUCCESS);
}

TEST_CASE("build_request_body: systemInstruction and generationConfig only when set") {
  const std::vector<Turn> hi = {{Role::user, "Hi"}};
  const std::string contents = R"({"contents":[{"role":"user","parts":[{"text":"Hi"}]}])";

  CHECK(build_request_body(hi, {.system_prompt = "Sys"}) ==
        contents + R"(,"systemInstruction":{"parts":[{"text":"Sys"}]}})");
  CHECK(build_request_body(hi, {.temperature = 0.5}) ==
        contents + R"(,"generationConfig":{"temperature":0.5}})");
  CHECK(build_request_body(hi, {.temperature = 0.0}) ==
        contents + R"(,"generationConfig":{"temperature":0}})");
  CHECK(build_request_body(hi, {.max_output_tokens = 1024}) ==
        contents + R"(,"generationConfig":{"maxOutputTokens":1024}})");
  // A budget of 0 turns thinking off, so it is sent, not treated as unset.
  CHECK(build_request_body(hi, {.thinking_budget = 0}) ==
        contents + R"(,"generationConfig":{"thinkingConfig":{"thinkingBudget":0}}})");
  CHECK(build_request_body(hi, {.include_thoughts = true}) ==
        contents + R"(,"generationConfig":{"thinkingConfig":{"includeThoughts":true}}})");
  CHECK(build_request_body(hi, {.top_p = 0.5}) == contents + R"(,"generationConfig":{"topP":0.5}})");
  CHECK(build_request_body(hi, {.stop_sequences = {"END", "\"q\""}}) ==
        contents + R"(,"generationConfig":{"stopSequences":["END","\"q\""]}})");
  CHECK(build_request_body(hi, {.system_prompt = "S",
                                .temperature = 1.25,
                                .max_output_tokens = 8192,
                                .thinking_budget = -1,
                                .include_thoughts = true}) ==
        contents + R"(,"systemInstruction":{"parts":[{"text":"S"}]},"generationConfig":)"
                   R"({"temperature":1.25,"maxOutputTokens":8192,)"
                   R"("thinkingConfig":{"thinkingBudget":-1,"includeThoughts":true}}})");
}

TEST_CASE("build_request_body: an empty conversation is still valid JSON") {
  CHECK(build_request_body({}, {}) == R"({"contents":[]})");
}

TEST_CASE("build_request_body: empty texts are never sent") {
  // Gemini refuses an empty part; an empty turn between two of one role leaves them merged.
  const std::vector<Turn> turns = {{Role::user, "a"}, {Role::model, ""}, {Role::user, "b"}, {Role::model, ""}};
  CHECK(build_request_body(turns, {}) == R"({"contents":[{"role":"user","parts":[{"text":"a\n\nb"}]}]})");
  CHECK(build_request_body({{Role::user, ""}}, {}) == R"({"contents":[]})");
  CHECK(build_request_body({{Role::user, "a"}, {Role::user, ""}}, {}) ==
        R"({"contents":[{"role":"user","parts":[{"text":"a"}]}]})");
}

TEST_CASE("build_request_body: system messages follow the configured prompt as parts") {
  const std::vector<Turn> hi = {{Role::user, "Hi"}};
  const std::string contents = R"({"contents":[{"role":"user","parts":[{"text":"Hi"}]}])";
  const std::vector<std::string> system = {"Be brief.", "", "Answer in \"French\"."};
  CHECK(build_request_body(hi, {.system_prompt = "Sys"}, system) ==
        contents + R"(,"systemInstruction":{"parts":[{"text":"Sys"},{"text":"Be brief."},)"
                   R"({"text":"Answer in \"French\"."}]}})");
  CHECK(build_request_body(hi, {}, system) ==
        contents + R"(,"systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Answer in \"French\"."}]}})");
  const std::vector<std::string> blank = {""};
  CHECK(build_request_body(hi, {}, blank) == contents + "}");
}

TEST_CASE("RequestBodyBuilder: turn by turn, the same body") {
  const std::vector<Turn> turns = {{Role::user, "q1"}, {Role::model, "a1"}, {Role::model, "a1b \"x\""},
                                   {Role::user, "q2\n"}};
  RequestBodyBuilder builder;
  for (const Turn& t : turns) builder.add(t);
  CHECK(std::move(builder).finish({.temperature = 0.5}) == build_request_body(turns, {.temperature = 0.5}));
}
