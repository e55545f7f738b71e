// Tests for openai/request: OpenAI's request fields into the Gemini call, and each refusal with
// the status, param and code the SDKs read.
#include "chatrelay/openai/request.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::openai;
using chatrelay::memory::Role;
using chatrelay::memory::Turn;

namespace {

// "user:text" per turn, to compare turns at a glance.
std::vector<std::string> texts(const std::vector<Turn>& turns) {
  std::vector<std::string> out;
  for (const auto& t : turns) out.push_back((t.role == Role::user ? "user:" : "model:") + t.text);
  return out;
}

const std::vector<std::string> served = {"gemini-2.5-flash", "fake-normal"};

CompletionRequest accepted(const std::string& body) {
  auto r = parse_completion_request(body, served);
  if (auto* e = std::get_if<ApiError>(&r)) FAIL("refused: " << e->message);
  return std::get<CompletionRequest>(r);
}

ApiError refused(const std::string& body) {
  auto r = parse_completion_request(body, served);
  if (!std::holds_alternative<ApiError>(r)) FAIL("accepted: " << body);
  return std::get<ApiError>(r);
}

// A body with model and one user message, plus `extra` members.
std::string with(const std::string& extra) {
  return R"({"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}])" +
         (extra.empty() ? "" : "," + extra) + "}";
}

}  // namespace

TEST_CASE("request: the least a client sends") {
  const auto r = accepted(with(""));
  CHECK(r.model == "gemini-2.5-flash");
  CHECK(texts(r.turns) == std::vector<std::string>{"user:hi"});
  CHECK(r.system.empty());
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.include_usage);
  CHECK_FALSE(r.options.temperature);
  CHECK_FALSE(r.options.top_p);
  CHECK_FALSE(r.options.max_output_tokens);
  CHECK(r.options.stop_sequences.empty());
}

TEST_CASE("request: roles, developer as system, text parts, and a null assistant content") {
  const auto r = accepted(R"({"model":"fake-normal","messages":[
    {"role":"system","content":"Be brief."},
    {"role":"developer","content":[{"type":"text","text":"Use English."}]},
    {"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}]},
    {"role":"assistant","content":"answer","name":"bot"},
    {"role":"assistant","content":null},
    {"role":"user","content":"again"}]})");
  CHECK(r.model == "fake-normal");
  CHECK(r.system == std::vector<std::string>{"Be brief.", "Use English."});
  CHECK(texts(r.turns) == std::vector<std::string>{"user:part one", "user:part two", "model:answer", "user:again"});
}

TEST_CASE("request: sampling, limits, stop and streaming options") {
  const auto r = accepted(with(R"("temperature":0.2,"top_p":1,"max_tokens":100,"stop":"END","stream":true,)"
                               R"("stream_options":{"include_usage":true},"n":1)"));
  CHECK(r.options.temperature == 0.2);
  CHECK(r.options.top_p == 1.0);
  CHECK(r.options.max_output_tokens == 100);
  CHECK(r.options.stop_sequences == std::vector<std::string>{"END"});
  CHECK(r.stream);
  CHECK(r.include_usage);
  // max_completion_tokens wins over the older max_tokens; a list of stops drops empty ones.
  const auto r2 = accepted(with(R"("max_tokens":100,"max_completion_tokens":7,"stop":["a","","b"])"));
  CHECK(r2.options.max_output_tokens == 7);
  CHECK(r2.options.stop_sequences == std::vector<std::string>{"a", "b"});
  CHECK(accepted(with(R"("temperature":0)")).options.temperature == 0.0);
  CHECK(accepted(with(R"("temperature":2)")).options.temperature == 2.0);
}

TEST_CASE("request: null is absent, unknown fields are ignored, the last duplicate counts") {
  const auto r = accepted(with(R"("temperature":null,"top_p":null,"max_tokens":null,"stop":null,"stream":null,)"
                               R"("stream_options":null,"n":null,"tools":[{"type":"function"}],"user":"u1",)"
                               R"("seed":4,"response_format":{"type":"text"})"));
  CHECK_FALSE(r.options.temperature);
  CHECK_FALSE(r.stream);
  CHECK(accepted(with(R"("stream":false,"stream":true)")).stream);
  CHECK(accepted(R"({"model":"nope","model":"fake-normal","messages":[{"role":"user","content":"x"}]})").model ==
        "fake-normal");
  // Google's own spelling of a model name is the same model.
  CHECK(accepted(R"({"model":"models/fake-normal","messages":[{"role":"user","content":"x"}]})").model ==
        "fake-normal");
}

TEST_CASE("request: an unknown model is 404 model_not_found") {
  const auto e = refused(R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})");
  CHECK(e.status == 404);
  CHECK(e.type == "invalid_request_error");
  CHECK(e.param == "model");
  CHECK(e.code == "model_not_found");
  CHECK_THAT(e.message, Catch::Contains("'gpt-4o'") && Catch::Contains("/v1/models"));
}

TEST_CASE("request: each refusal is a 400 naming the field") {
  struct Case {
    std::string body;
    std::string param;
    std::string code;
  };
  const std::string msg = R"("messages":[{"role":"user","content":"hi"}])";
  const std::vector<Case> cases = {
      {"", "", ""},
      {"{", "", ""},
      {"[1]", "body", "invalid_type"},
      {"\"\xFF\"", "", ""},
      {"{" + msg + "}", "model", "missing_required_parameter"},
      {R"({"model":7,)" + msg + "}", "model", "invalid_type"},
      {R"({"model":"fake-normal"})", "messages", "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":{}})", "messages", "invalid_type"},
      {R"({"model":"fake-normal","messages":[]})", "messages", "empty_array"},
      {R"({"model":"fake-normal","messages":["hi"]})", "messages[0]", "invalid_type"},
      {R"({"model":"fake-normal","messages":[{"content":"hi"}]})", "messages[0].role", "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":[{"role":"tool","content":"x"}]})", "messages[0].role", "invalid_value"},
      {R"({"model":"fake-normal","messages":[{"role":"user"}]})", "messages[0].content", "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":null}]})", "messages[0].content",
       "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":5}]})", "messages[0].content", "invalid_type"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
       "messages[0].content[0].type", "unsupported_content_type"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":[{"text":"x"}]}]})",
       "messages[0].content[0].type", "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":[{"type":"text"}]}]})",
       "messages[0].content[0].text", "missing_required_parameter"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":["x"]}]})", "messages[0].content[0]",
       "invalid_type"},
      {R"({"model":"fake-normal","messages":[{"role":"system","content":"only a system prompt"}]})", "messages",
       "invalid_value"},
      {R"({"model":"fake-normal","messages":[{"role":"user","content":""}]})", "messages", "invalid_value"},
      {with(R"("temperature":2.5)"), "temperature", "invalid_value"},
      {with(R"("temperature":-0.1)"), "temperature", "invalid_value"},
      {with(R"("temperature":"1")"), "temperature", "invalid_type"},
      {with(R"("top_p":1.5)"), "top_p", "invalid_value"},
      {with(R"("max_tokens":0)"), "max_tokens", "invalid_value"},
      {with(R"("max_tokens":1.5)"), "max_tokens", "invalid_type"},
      {with(R"("max_completion_tokens":-3)"), "max_completion_tokens", "invalid_value"},
      {with(R"("max_tokens":18446744073709551615)"), "max_tokens", "invalid_value"},
      {with(R"("stop":3)"), "stop", "invalid_type"},
      {with(R"("stop":["a",1])"), "stop[1]", "invalid_type"},
      {with(R"("stop":["a","b","c","d","e","f"])"), "stop", "invalid_value"},
      {with(R"("stream":"yes")"), "stream", "invalid_type"},
      {with(R"("stream_options":true)"), "stream_options", "invalid_type"},
      {with(R"("stream_options":{"include_usage":1})"), "stream_options.include_usage", "invalid_type"},
      {with(R"("n":2)"), "n", "invalid_value"},
      {with(R"("n":"1")"), "n", "invalid_type"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    const auto e = refused(c.body);
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.param == c.param);
    CHECK(e.code == c.code);
    CHECK_FALSE(e.message.empty());
  }
}

TEST_CASE("request: an image part is refused with a message that says text only") {
  const auto e = refused(
      R"({"model":"fake-normal","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},)"
      R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]})");
  CHECK_THAT(e.message, Catch::Contains("text only") && Catch::Contains("messages[0].content[1]") &&
                            Catch::Contains("'image_url'"));
}
