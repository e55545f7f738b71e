// Tests for gemini/event_parser: every real recording through SseDecoder → EventParser against an
// independent simdjson DOM reading, the shapes Gemini may send, and malformed data.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include "../error_code_text.hpp"

#include "chatrelay/gemini/event_parser.hpp"
#include "chatrelay/gemini/sse_decoder.hpp"
#include "recordings.hpp"

using namespace chatrelay::gemini;

namespace {

// What a whole stream said: texts concatenated, the last value of everything else.
struct StreamSummary {
  std::size_t events = 0;
  std::string text;
  std::string thought;
  std::optional<std::string> finish_reason;
  std::optional<std::string> block_reason;
  std::optional<std::string> model_version;
  std::optional<Usage> usage;
};

bool same_usage(const std::optional<Usage>& a, const std::optional<Usage>& b) {
  if (!a || !b) return !a && !b;
  return a->prompt_tokens == b->prompt_tokens && a->output_tokens == b->output_tokens &&
         a->thoughts_tokens == b->thoughts_tokens && a->total_tokens == b->total_tokens;
}

// Sets `out` when the member exists with the right type.
template <typename Result, typename T>
void read_if_present(Result&& result, T& out) {
  T value{};
  if (std::forward<Result>(result).get(value) == simdjson::SUCCESS) out = value;
}

// The expectation, computed without SseDecoder or EventParser: each `data:` line of the file read
// with simdjson's DOM API.
StreamSummary expected_summary(const std::string& body) {
  StreamSummary s;
  simdjson::dom::parser dom;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find_first_of("\r\n", start);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(start, end - start);
    start = end + 1;
    if (!line.starts_with("data: ")) continue;
    ++s.events;
    simdjson::dom::element doc;
    REQUIRE(dom.parse(simdjson::padded_string(line.substr(6))).get(doc) == simdjson::SUCCESS);

    simdjson::dom::array parts;
    if (doc.at_pointer("/candidates/0/content/parts").get(parts) == simdjson::SUCCESS) {
      for (simdjson::dom::element part : parts) {
        std::string_view text;
        if (part["text"].get(text) != simdjson::SUCCESS) continue;
        bool thought = false;
        read_if_present(part["thought"], thought);
        (thought ? s.thought : s.text) += text;
      }
    }
    std::string_view value;
    if (doc.at_pointer("/candidates/0/finishReason").get(value) == simdjson::SUCCESS) {
      s.finish_reason = std::string(value);
    }
    if (doc.at_pointer("/promptFeedback/blockReason").get(value) == simdjson::SUCCESS) {
      s.block_reason = std::string(value);
    }
    if (doc["modelVersion"].get(value) == simdjson::SUCCESS) s.model_version = std::string(value);
    simdjson::dom::object usage;
    if (doc["usageMetadata"].get(usage) == simdjson::SUCCESS) {
      Usage u;
      read_if_present(usage["promptTokenCount"], u.prompt_tokens);
      read_if_present(usage["candidatesTokenCount"], u.output_tokens);
      read_if_present(usage["thoughtsTokenCount"], u.thoughts_tokens);
      read_if_present(usage["totalTokenCount"], u.total_tokens);
      s.usage = u;
    }
  }
  return s;
}

// The stream as chatrelay reads it: SseDecoder → EventParser, in pieces of `piece` bytes.
StreamSummary decoded_summary(std::string_view body, std::size_t piece = 4096) {
  StreamSummary s;
  SseDecoder decoder;
  EventParser parser;
  EventData event;
  const auto sink = [&](std::string_view data, bool raw) {
    CHECK_FALSE(raw);
    REQUIRE(parser.parse(data, event) == EventParser::Result::ok);
    CHECK_FALSE(event.error);
    ++s.events;
    s.text += event.text;
    s.thought += event.thought;
    if (event.finish_reason) s.finish_reason = event.finish_reason;
    if (event.block_reason) s.block_reason = event.block_reason;
    if (event.model_version) s.model_version = event.model_version;
    if (event.usage) s.usage = event.usage;
  };
  for (std::size_t at = 0; at < body.size(); at += piece) {
    REQUIRE(decoder.feed(body.substr(at, piece), sink) == SseDecoder::Status::ok);
  }
  decoder.finish(sink);
  return s;
}

EventParser::Result parse(std::string_view data, EventData& out) {
  static EventParser parser;
  return parser.parse(data, out);
}

EventData parsed(std::string_view data) {
  EventData out;
  REQUIRE(parse(data, out) == EventParser::Result::ok);
  return out;
}

}  // namespace

TEST_CASE("EventParser: every .sse recording gives its text, thoughts, finish reason and usage") {
  for (const auto& name : testing::recordings(".sse")) {
    INFO(name);
    const std::string body = testing::recording(name);
    const StreamSummary expected = expected_summary(body);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
      INFO("pieces of " << piece);
      const StreamSummary got = decoded_summary(body, piece);
      CHECK(got.events == expected.events);
      CHECK(got.text == expected.text);
      CHECK(got.thought == expected.thought);
      CHECK(got.finish_reason == expected.finish_reason);
      CHECK(got.block_reason == expected.block_reason);
      CHECK(got.model_version == expected.model_version);
      CHECK(same_usage(got.usage, expected.usage));
    }
  }
}

TEST_CASE("EventParser: recordings read as recorded, checked by hand") {
  SECTION("two-event text reply") {
    const auto s = decoded_summary(testing::recording("text-multichunk-2.5-flash.sse"));
    CHECK(s.text ==
          "To find the sum of 4200 + 42, we can align the numbers by their place values:\n\n"
          "  4200\n+   42\n------\n  4242\n\nSo, 4200 + 42 = **4242**.");
    CHECK(s.finish_reason == "STOP");
    CHECK(s.model_version == "gemini-2.5-flash");
    REQUIRE(s.usage);
    CHECK(s.usage->prompt_tokens == 13);
    CHECK(s.usage->output_tokens == 63);
    CHECK(s.usage->thoughts_tokens == 75);
    CHECK(s.usage->total_tokens == 151);
  }
  SECTION("thoughts stay out of the text") {
    const auto s = decoded_summary(testing::recording("thinking-2.5-flash-thoughts.sse"));
    CHECK(s.text == "3");
    CHECK(s.thought.size() > 1000);
    REQUIRE(s.usage);
    CHECK(s.usage->output_tokens == 0);  // this recording has no candidatesTokenCount at all
    CHECK(s.usage->thoughts_tokens == 1947);
  }
  SECTION("a function call with a signature adds no text") {
    const auto s =
        decoded_summary(testing::recording("thinking-2.5-flash-functioncall-signature.sse"));
    CHECK(s.text.empty());
    CHECK_FALSE(s.thought.empty());
    CHECK(s.finish_reason == "STOP");
  }
  SECTION("the answer part carrying a thoughtSignature is text") {
    const auto s = decoded_summary(testing::recording("thinking-2.5-pro-thoughts-signature.sse"));
    CHECK_FALSE(s.text.empty());
    CHECK(s.text.find("CiIB") == std::string::npos);
    CHECK(s.thought.find(s.text.substr(0, 40)) == std::string::npos);
    CHECK(s.text.find(s.thought.substr(0, 40)) == std::string::npos);
  }
  SECTION("RECITATION ends in a candidate without content") {
    const auto s = decoded_summary(testing::recording("finish-recitation-2.0-flash.sse"));
    CHECK(s.text == "text1text2text3text4text5text6text7text8");
    CHECK(s.finish_reason == "RECITATION");
  }
  SECTION("a prompt blocked for SAFETY, without a final blank line") {
    const auto s = decoded_summary(testing::recording("blocked-prompt-safety.sse"));
    CHECK(s.events == 1);
    CHECK(s.block_reason == "SAFETY");
    CHECK(s.text.empty());
    CHECK_FALSE(s.finish_reason);
  }
  SECTION("MAX_TOKENS and SAFETY finishes") {
    CHECK(decoded_summary(testing::recording("finish-max-tokens-2.5-flash.sse")).finish_reason ==
          "MAX_TOKENS");
    const auto s = decoded_summary(testing::recording("finish-safety-vertex.sse"));
    CHECK(s.finish_reason == "SAFETY");
    CHECK(s.text == "<redacted>");
  }
  SECTION("the code fence spans events; \\u003c escapes are decoded") {
    const auto s = decoded_summary(testing::recording("text-codefence-2.5-flash.sse"));
    CHECK(s.text.find("```python") != std::string::npos);
    CHECK(s.text.find("\\u003c") == std::string::npos);
  }
}

TEST_CASE("EventParser: PROHIBITED_CONTENT block from the compact JSON-lines recording") {
  const std::string lines = testing::recording("blocked-prompt-prohibited-content.jsonl");
  std::string body;
  std::size_t start = 0;
  while (start < lines.size()) {
    auto end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    if (end > start) body += "data: " + lines.substr(start, end - start) + "\r\n\r\n";
    start = end + 1;
  }
  const auto s = decoded_summary(body, 5);
  CHECK(s.events == 1);
  CHECK(s.block_reason == "PROHIBITED_CONTENT");
  CHECK(s.model_version == "gemini-3.7-flash");
  CHECK(s.text.empty());
  CHECK_FALSE(s.finish_reason);
  REQUIRE(s.usage);
  CHECK(s.usage->prompt_tokens == 9);
  CHECK(s.usage->total_tokens == 9);
}

TEST_CASE("EventParser: the JSON-array (no alt=sse) format is not an event") {
  // chatrelay always asks for alt=sse; if this format ever came back, it is a protocol error.
  const auto events = testing::decode_all(testing::recording("json-array-no-alt-2.5-flash.json"));
  REQUIRE(events.size() == 1);
  CHECK(events[0].raw);
  EventData out;
  CHECK(parse(events[0].data, out) == EventParser::Result::malformed);
}

TEST_CASE("EventParser: tolerated shapes") {
  SECTION("candidates without content, content without parts, no finishReason") {
    CHECK(parsed(R"({"candidates":[{"finishReason":"STOP"}]})").finish_reason == "STOP");
    const auto e = parsed(R"({"candidates":[{"content":{"role":"model"},"index":0}]})");
    CHECK(e.text.empty());
    CHECK_FALSE(e.finish_reason);
    CHECK(parsed(R"({"candidates":[]})").text.empty());
    CHECK(parsed(R"({"candidates":[{"content":{"parts":[]}}]})").text.empty());
    CHECK(parsed("{}").text.empty());
  }
  SECTION("any key order, unknown members, parts without text, thoughts apart") {
    const auto e = parsed(R"({"modelVersion":"m","future":{"a":[1,{"b":null}],"c":true},
      "usageMetadata":{"totalTokenCount":7,"promptTokensDetails":[{"modality":"TEXT"}],
        "promptTokenCount":1,"thoughtsTokenCount":4,"candidatesTokenCount":2},
      "candidates":[{"finishReason":"MAX_TOKENS","index":0,"content":{"role":"model","parts":[
        {"thought":true,"text":"hmm "},{"text":"A"},{"functionCall":{"name":"f","args":{}}},
        {"thoughtSignature":"c2ln","text":"B"},{"text":"more","thought":true},
        {"text":"C","thought":false}]}}]})");
    CHECK(e.text == "ABC");
    CHECK(e.thought == "hmm more");
    CHECK(e.finish_reason == "MAX_TOKENS");
    CHECK(e.model_version == "m");
    REQUIRE(e.usage);
    CHECK(e.usage->prompt_tokens == 1);
    CHECK(e.usage->output_tokens == 2);
    CHECK(e.usage->thoughts_tokens == 4);
    CHECK(e.usage->total_tokens == 7);
  }
  SECTION("only the first candidate counts") {
    CHECK(parsed(R"({"candidates":[{"content":{"parts":[{"text":"one"}]}},
      {"content":{"parts":[{"text":"two"}]},"finishReason":"STOP"}]})")
              .text == "one");
  }
  SECTION("JSON escapes are decoded") {
    CHECK(
        parsed(R"({"candidates":[{"content":{"parts":[{"text":"a\"b\\n\n\u003c\ud83d\ude00"}]}}]})")
            .text == "a\"b\\n\n<\xF0\x9F\x98\x80");
  }
  SECTION("nothing leaks from the previous event") {
    EventData out;
    REQUIRE(parse(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],
      "modelVersion":"gemini-2.5-flash","usageMetadata":{"totalTokenCount":1},
      "promptFeedback":{"blockReason":"OTHER"}})",
                  out) == EventParser::Result::ok);
    REQUIRE(parse(R"({"candidates":[{"content":{"parts":[{"text":"y"}]}}]})", out) ==
            EventParser::Result::ok);
    CHECK(out.text == "y");
    CHECK_FALSE(out.finish_reason);
    CHECK_FALSE(out.model_version);
    CHECK_FALSE(out.usage);
    CHECK_FALSE(out.block_reason);
    CHECK_FALSE(out.error);
  }
}

TEST_CASE("EventParser: an error object inside a 200 stream") {
  const auto e =
      parsed(R"({"error":{"code":503,"message":"The model is overloaded. Please try again later.",
    "status":"UNAVAILABLE"}})");
  REQUIRE(e.error);
  CHECK(e.error->code == "upstream_unavailable");
  CHECK(e.error->status == "UNAVAILABLE");
  CHECK(e.error->http_status == 0);
  CHECK(e.error->message.find("The model is overloaded") != std::string::npos);

  EventData out;
  CHECK(parse(R"({"error":"boom"})", out) == EventParser::Result::malformed);
  CHECK(parse(R"({"error":{"code":"429"}})", out) == EventParser::Result::malformed);
}

TEST_CASE("EventParser: malformed data") {
  EventData out;
  for (std::string_view data :
       {"{bad",
        "[1]",
        "\"x\"",
        "",
        "   ",
        "42",
        "null",
        "{\"candidates\":5}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":1}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":{}}}]}",
        "{\"candidates\":[7]}",
        "{\"candidates\":[{\"finishReason\":null}]}",
        "{\"usageMetadata\":{\"totalTokenCount\":\"9\"}}",
        "{\"usageMetadata\":[]}",
        "{\"promptFeedback\":{\"blockReason\":1}}",
        "{\"modelVersion\":{}}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\",\"thought\":\"yes\"}]}}]}",
        "{\"a\":1} {\"b\":2}",
        "{\"a\":1}}",
        "{\"a\":1,}",
        "{\"text\":\"unterminated}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\xFF\"}]}}]}"}) {
    INFO(data);
    out.text = "stale";
    CHECK(parse(data, out) == EventParser::Result::malformed);
    CHECK(out.text.empty());
  }
  // The three shapes of a broken event as the decoder hands them over.
  for (std::string_view body : {"data: {bad\r\n\r\n", "data: [1]\r\n\r\n", "data: \"x\"\r\n\r\n"}) {
    const auto events = testing::decode_all(body);
    REQUIRE(events.size() == 1);
    CHECK(parse(events[0].data, out) == EventParser::Result::malformed);
  }
}

TEST_CASE("EventParser: a warmed-up parser does not allocate") {
  const auto events = testing::decode_all(testing::recording("text-multichunk-long-2.0-flash.sse"));
  EventParser parser;
  EventData out;
  std::size_t text = 0;
  testing::allocations = 0;
  for (int round = 0; round < 2; ++round) {
    if (round == 1) testing::counting = true;
    for (const auto& event : events) {
      if (parser.parse(event.data, out) == EventParser::Result::ok) text += out.text.size();
    }
    testing::counting = false;
  }
  CHECK(text > 0);
  CHECK(testing::allocations == 0);
}

TEST_CASE("EventParser: pipeline grind on a thinking recording") {
  // Decoding and parsing split at every byte gives the same EventData sequence.
  const std::string body = testing::recording("thinking-2.5-flash-thought-summary.sse");
  const StreamSummary expected = decoded_summary(body);
  std::size_t bad = 0;
  for (std::size_t split = 0; split <= body.size(); ++split) {
    StreamSummary s;
    SseDecoder decoder;
    EventParser parser;
    EventData event;
    const auto sink = [&](std::string_view data, bool) {
      if (parser.parse(data, event) != EventParser::Result::ok) ++bad;
      ++s.events;
      s.text += event.text;
      s.thought += event.thought;
      if (event.finish_reason) s.finish_reason = event.finish_reason;
      if (event.usage) s.usage = event.usage;
    };
    decoder.feed(std::string_view(body).substr(0, split), sink);
    decoder.feed(std::string_view(body).substr(split), sink);
    decoder.finish(sink);
    if (s.events != expected.events || s.text != expected.text || s.thought != expected.thought ||
        s.finish_reason != expected.finish_reason || !same_usage(s.usage, expected.usage)) {
      ++bad;
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("SseDecoder + EventParser survive mutated recordings") {
  // Deterministic xorshift so failures replay; ASan/UBSan builds make this a small fuzzer.
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  using namespace std::string_view_literals;
  constexpr auto specials =
      "\r\n{}[]\":,\\ \x00\xFF"
      "data: "sv;
  std::size_t events = 0;
  std::size_t malformed = 0;
  for (const auto& name : testing::recordings(".sse")) {
    const std::string original = testing::recording(name);
    for (int round = 0; round < 50; ++round) {
      std::string body = original;
      for (int edits = 1 + static_cast<int>(next() % 8); edits > 0; --edits) {
        const std::size_t at = next() % body.size();
        switch (next() % 4) {
          case 0:
            body[at] = specials[next() % specials.size()];
            break;
          case 1:
            body.erase(at, 1 + next() % 16);
            break;
          case 2:
            body.insert(at, 1, specials[next() % specials.size()]);
            break;
          default:
            body[at] = static_cast<char>(next());
            break;
        }
        if (body.empty()) body.push_back('x');
      }
      SseDecoder decoder(1 << 16);
      EventParser parser;
      EventData out;
      const auto sink = [&](std::string_view data, bool) {
        ++events;
        if (parser.parse(data, out) == EventParser::Result::malformed) {
          ++malformed;
          CHECK(out.text.empty());
        }
      };
      for (std::size_t at = 0; at < body.size();) {
        const std::size_t piece = 1 + next() % 512;
        decoder.feed(std::string_view(body).substr(at, piece), sink);
        at += piece;
      }
      decoder.finish(sink);
    }
  }
  CHECK(events > 0);
  CHECK(malformed > 0);
  CHECK(malformed < events);
}
