// A non-streamed answer: Gemini's events collected into one chat.completion object (DESIGN.md §1,
// OpenAI-compatible API). Thoughts never reach `content`.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>

#include "chatrelay/gemini/events.hpp"
#include "chatrelay/openai/answer.hpp"
#include "chatrelay/openai/errors.hpp"
#include "chatrelay/openai/identity.hpp"

namespace chatrelay::openai {

// One answer is at most 65,536 output tokens (Gemini 2.5), a few hundred KB of text; an upstream
// that never stops must not grow what is held for the one response without bound.
inline constexpr std::size_t max_completion_bytes = 8 * 1024 * 1024;

class CompletionCollector {
 public:
  // `reasoning`: thought text is kept as message.reasoning_content; otherwise it is dropped.
  explicit CompletionCollector(bool reasoning) : reasoning_(reasoning) {}

  // Adds one read's events. False when the answer grew past max_completion_bytes (the caller
  // then ends the call; see too_large()).
  bool feed(std::span<const gemini::EventData> events);

  // The chat.completion body ({"id","object":"chat.completion","created","model","choices":[{
  // "index":0,"message":{"role":"assistant","content",…},"finish_reason"}],"usage"}) after the call
  // returned `error` (empty: Gemini ended normally), or the error to answer with instead.
  std::variant<std::string, ApiError> end(const Identity& identity,
                                          const std::optional<gemini::UpstreamError>& error) const;
  // The error for an answer that grew past max_completion_bytes.
  static ApiError too_large();

  const Answer& answer() const { return answer_; }

 private:
  bool reasoning_;
  std::string content_;
  std::string reasoning_content_;
  Answer answer_;
};

}  // namespace chatrelay::openai
