// Tests for openai/chunk_stream on Gemini's recorded streams: the chunks say exactly the recorded
// text, never a thought as content, the right finish_reason and usage, and end with [DONE].
#include "chatrelay/openai/chunk_stream.hpp"

#include "support.hpp"

using namespace chatrelay::openai;
using namespace chatrelay::openai::testing;
using chatrelay::gemini::EventData;
namespace dom = simdjson::dom;

namespace {

const Identity identity{"chatcmpl-0123456789abcdef0123456789abcdef", 1735689600, "gemini-2.5-flash"};

// The whole stream, fed one event per read (`per_event`) or all in one read.
std::string run(const std::vector<EventData>& events, bool include_usage, bool reasoning, bool per_event) {
  ChunkStream stream(identity, include_usage, reasoning);
  std::string sse;
  if (per_event) {
    for (const auto& ev : events) stream.feed(std::span<const EventData>(&ev, 1), sse);
  } else {
    stream.feed(events, sse);
  }
  REQUIRE_FALSE(stream.end(std::nullopt, sse));
  return sse;
}

struct Read {
  std::string content, reasoning, finish_reason;
  std::size_t chunks = 0;
  bool role_first = false;
  bool usage_chunk = false;
  std::int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;
};

// Reads the stream back as an SDK would, checking the shape of every chunk on the way.
Read read_back(const std::string& sse, bool include_usage) {
  Read r;
  dom::parser parser;
  const auto data = sse_data(sse);
  REQUIRE(data.size() >= 3);
  CHECK(data.back() == "[DONE]");
  for (std::size_t i = 0; i + 1 < data.size(); ++i) {
    INFO(data[i]);
    dom::element chunk;
    REQUIRE(parser.parse(data[i]).get(chunk) == simdjson::SUCCESS);
    CHECK(std::string_view(chunk["id"]) == identity.id);
    CHECK(std::string_view(chunk["object"]) == "chat.completion.chunk");
    CHECK(std::int64_t(chunk["created"]) == identity.created);
    CHECK(std::string_view(chunk["model"]) == identity.model);
    dom::array choices = chunk["choices"];
    if (choices.size() == 0) {  // the usage chunk, last before [DONE]
      CHECK(include_usage);
      CHECK(i + 2 == data.size());
      r.usage_chunk = true;
      dom::object usage;
      if (chunk["usage"].get(usage) == simdjson::SUCCESS) {  // null when Gemini sent none
        r.prompt_tokens = usage["prompt_tokens"];
        r.completion_tokens = usage["completion_tokens"];
        r.total_tokens = usage["total_tokens"];
      }
      continue;
    }
    ++r.chunks;
    CHECK(choices.size() == 1);
    if (include_usage) CHECK(chunk["usage"].is_null());
    else CHECK(chunk["usage"].error() == simdjson::NO_SUCH_FIELD);
    dom::element choice = choices.at(0);
    CHECK(std::int64_t(choice["index"]) == 0);
    dom::object delta = choice["delta"];
    if (i == 0) {
      r.role_first = std::string_view(delta["role"]) == "assistant" && std::string_view(delta["content"]).empty() &&
                     delta.size() == 2 && choice["finish_reason"].is_null();
      continue;
    }
    std::string_view text;
    if (delta["content"].get(text) == simdjson::SUCCESS) r.content.append(text);
    if (delta["reasoning_content"].get(text) == simdjson::SUCCESS) r.reasoning.append(text);
    CHECK(delta["role"].error() == simdjson::NO_SUCH_FIELD);
    if (!choice["finish_reason"].is_null()) {
      CHECK(r.finish_reason.empty());
      CHECK(delta.size() == 0);
      r.finish_reason = std::string(std::string_view(choice["finish_reason"]));
    }
  }
  return r;
}

}  // namespace

TEST_CASE("chunk stream: every recording, as the SDKs read it") {
  for (const auto& name : chatrelay::gemini::testing::recordings(".sse")) {
    INFO(name);
    const auto events = recorded_events(name);
    const Recorded recorded = read_recording(name);
    for (bool include_usage : {false, true}) {
      const std::string sse = run(events, include_usage, false, true);
      // How Gemini's reads happened to be cut does not change what the client reads.
      CHECK(run(events, include_usage, false, false) == sse);
      const Read r = read_back(sse, include_usage);
      CHECK(r.role_first);
      CHECK(r.content == recorded.text);
      CHECK(r.reasoning.empty());  // thoughts never leak (reasoning off)
      CHECK(r.finish_reason == expected_finish(name));
      CHECK(r.usage_chunk == include_usage);
      if (include_usage && recorded.total_tokens >= 0) {
        CHECK(r.prompt_tokens == recorded.prompt_tokens);
        CHECK(r.completion_tokens == recorded.candidates_tokens + recorded.thoughts_tokens);
        CHECK(r.total_tokens == recorded.total_tokens);
      }
    }
  }
}

TEST_CASE("chunk stream: with reasoning on, thoughts go out as reasoning_content, never as content") {
  for (const auto& name : chatrelay::gemini::testing::recordings(".sse")) {
    if (!name.starts_with("thinking-")) continue;
    INFO(name);
    const Recorded recorded = read_recording(name);
    REQUIRE_FALSE(recorded.thought.empty());
    const Read r = read_back(run(recorded_events(name), false, true, true), false);
    CHECK(r.reasoning == recorded.thought);
    CHECK(r.content == recorded.text);
  }
}

TEST_CASE("chunk stream: events without text start nothing (the response head waits)") {
  ChunkStream stream(identity, false, false);
  EventData thought;
  thought.thought = "hidden";
  EventData usage_only;
  usage_only.usage = chatrelay::gemini::Usage{1, 0, 5, 6};
  std::string out;
  stream.feed(std::vector<EventData>{thought, usage_only}, out);
  CHECK(out.empty());
  CHECK_FALSE(stream.started());
}

TEST_CASE("chunk stream: a failure before any text is returned for an HTTP status") {
  ChunkStream stream(identity, true, false);
  chatrelay::gemini::UpstreamError e;
  e.code = chatrelay::ErrorCode::quota_exceeded;
  e.message = "Gemini quota exceeded. Retry in 58s.";
  e.retry_after_s = 58;
  std::string out;
  const auto error = stream.end(e, out);
  REQUIRE(error);
  CHECK(error->status == 429);
  CHECK(error->retry_after_s == 58);
  CHECK(out.empty());
  CHECK_FALSE(stream.failed());
}

TEST_CASE("chunk stream: a failure after text is an error event, then [DONE]") {
  ChunkStream stream(identity, false, false);
  EventData hello;
  hello.text = "Hello";
  std::string out;
  stream.feed(std::span<const EventData>(&hello, 1), out);
  CHECK(stream.started());
  out.clear();
  chatrelay::gemini::UpstreamError e;
  e.code = chatrelay::ErrorCode::upstream_unavailable;
  e.message = "Gemini closed the connection in the middle of the answer.";
  CHECK_FALSE(stream.end(e, out));
  CHECK(stream.failed());
  CHECK(out == "data: {\"error\":{\"message\":\"Gemini closed the connection in the middle of the answer.\","
               "\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_unavailable\"}}\n\n"
               "data: [DONE]\n\n");
}

TEST_CASE("chunk stream: an answer without text still has a role chunk and a finish") {
  ChunkStream stream(identity, false, false);
  EventData end;
  end.finish_reason = "STOP";
  std::string out;
  stream.feed(std::span<const EventData>(&end, 1), out);
  CHECK(out.empty());
  REQUIRE_FALSE(stream.end(std::nullopt, out));
  const Read r = read_back(out, false);
  CHECK(r.role_first);
  CHECK(r.content.empty());
  CHECK(r.finish_reason == "stop");
  CHECK(r.chunks == 2);
}

TEST_CASE("chunk stream: the exact bytes of a short answer") {
  ChunkStream stream({"chatcmpl-1", 7, "m"}, false, false);
  EventData ev;
  ev.text = "Hi \"you\"";
  ev.finish_reason = "STOP";
  std::string out;
  stream.feed(std::span<const EventData>(&ev, 1), out);
  REQUIRE_FALSE(stream.end(std::nullopt, out));
  const std::string head = R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"m",)";
  CHECK(out == head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})"
                      "\n\n" +
                   head + R"("choices":[{"index":0,"delta":{"content":"Hi \"you\""},"logprobs":null,"finish_reason":null}]})"
                          "\n\n" +
                   head + R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"
                          "\n\n"
                          "data: [DONE]\n\n");
}
