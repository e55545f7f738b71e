// Validation of a POST /v1/chat/completions body into what the Gemini call needs, or the refusal
// in OpenAI's shape (DESIGN.md §1, OpenAI-compatible API).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chatrelay/gemini/request_builder.hpp"
#include "chatrelay/memory/session_store.hpp"
#include "chatrelay/openai/errors.hpp"

namespace chatrelay::openai {

// Gemini takes at most five stop sequences (OpenAI four).
inline constexpr std::size_t max_stop_sequences = 5;

struct CompletionRequest {
  std::string model;                  // one of the served models
  std::vector<memory::Turn> turns;    // user and assistant texts in order (a text part each)
  std::vector<std::string> system;    // system and developer texts in order
  gemini::GenerationOptions options;  // temperature, top_p, max tokens, stop sequences
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
};

// Reads `body` as OpenAI's API does: `model` must be one of `models` (404 model_not_found
// otherwise); `messages` take the roles system, developer (as system), user and assistant, with a
// string or an array of {"type":"text","text":…} parts as content; temperature 0..2, top_p 0..1,
// max_tokens / max_completion_tokens (the latter wins), stop (a string or up to five), stream,
// stream_options.include_usage, n = 1 only. Unknown fields are ignored and null is the same as
// absent. Anything else is a 400 naming the field in `param`. Never throws.
std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                   std::span<const std::string> models);

}  // namespace chatrelay::openai
