// Helpers for the openai unit tests: recorded Gemini streams as typed events, what a recording
// says independently of chatrelay's parser, and reading back the SSE chunks written.
#pragma once

#include <simdjson.h>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "../gemini/recordings.hpp"
#include "chatrelay/gemini/event_parser.hpp"

namespace chatrelay::openai::testing {

// The recording's events as the gemini client hands them on.
inline std::vector<gemini::EventData> recorded_events(std::string_view name) {
  std::vector<gemini::EventData> events;
  gemini::EventParser parser;
  for (const auto& decoded : gemini::testing::decode_all(gemini::testing::recording(name))) {
    if (decoded.data.empty()) continue;
    REQUIRE(parser.parse(decoded.data, events.emplace_back()) == gemini::EventParser::Result::ok);
  }
  return events;
}

// What the recording says, read with simdjson's DOM straight from the file's `data:` lines.
struct Recorded {
  std::string text;     // parts without "thought": true, first candidate
  std::string thought;  // parts with it
  std::int64_t prompt_tokens = -1, candidates_tokens = 0, thoughts_tokens = 0, total_tokens = -1;
};

inline Recorded read_recording(std::string_view name) {
  Recorded r;
  simdjson::dom::parser parser;
  const std::string body = gemini::testing::recording(name);
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    const auto end = body.find('\n', at);
    const std::string line = body.substr(at + 6, end - at - 6);
    at = end;
    simdjson::dom::element event;
    REQUIRE(parser.parse(line).get(event) == simdjson::SUCCESS);
    simdjson::dom::array parts;
    if (event.at_pointer("/candidates/0/content/parts").get(parts) == simdjson::SUCCESS) {
      for (auto part : parts) {
        std::string_view text;
        if (part["text"].get(text) != simdjson::SUCCESS) continue;
        bool thought = false;
        if (part["thought"].get(thought) != simdjson::SUCCESS) thought = false;
        (thought ? r.thought : r.text).append(text);
      }
    }
    simdjson::dom::object usage;
    if (event["usageMetadata"].get(usage) == simdjson::SUCCESS) {
      auto count = [&](const char* key) {
        std::int64_t n = 0;
        return usage[key].get(n) == simdjson::SUCCESS ? n : 0;
      };
      r.prompt_tokens = count("promptTokenCount");
      r.candidates_tokens = count("candidatesTokenCount");
      r.thoughts_tokens = count("thoughtsTokenCount");
      r.total_tokens = count("totalTokenCount");
    }
  }
  return r;
}

// OpenAI's finish_reason for a recording, by what its name says it is.
inline std::string expected_finish(const std::string& name) {
  if (name.starts_with("blocked-") || name.starts_with("finish-recitation") || name.starts_with("finish-safety"))
    return "content_filter";
  if (name.starts_with("finish-max-tokens")) return "length";
  return "stop";
}

// The JSON texts of the `data:` events of an SSE text written by ChunkStream ("[DONE]" as is).
inline std::vector<std::string> sse_data(std::string_view sse) {
  std::vector<std::string> out;
  while (!sse.empty()) {
    const auto end = sse.find("\n\n");
    REQUIRE(end != std::string_view::npos);  // every event is whole
    const auto event = sse.substr(0, end);
    REQUIRE(event.starts_with("data: "));
    REQUIRE(event.find('\n') == std::string_view::npos);  // one data line each
    out.emplace_back(event.substr(6));
    sse.remove_prefix(end + 2);
  }
  return out;
}

}  // namespace chatrelay::openai::testing
