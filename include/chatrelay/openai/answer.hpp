// What Gemini's answer added up to while it streamed, and how the OpenAI answer ends: a
// finish_reason, or an error (DESIGN.md §1, OpenAI-compatible API).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "chatrelay/gemini/events.hpp"
#include "chatrelay/openai/errors.hpp"

namespace chatrelay::openai {

// Gemini's finishReason as OpenAI's finish_reason: STOP → stop, MAX_TOKENS → length, the policy
// stops (SAFETY, RECITATION, PROHIBITED_CONTENT, BLOCKLIST, SPII, IMAGE_SAFETY, LANGUAGE) →
// content_filter, anything else → stop.
std::string_view finish_reason(std::string_view gemini_reason);

// Appends OpenAI's usage object: prompt_tokens, completion_tokens (Gemini's candidates and
// thoughts: OpenAI counts reasoning as completion), total_tokens, and completion_tokens_details
// .reasoning_tokens when there were thoughts; `null` when Gemini sent no usageMetadata.
void append_usage(std::string& out, const std::optional<gemini::Usage>& usage);

class Answer {
 public:
  // Takes what one event says about the end (finish reason, usage, a blocked prompt) and whether
  // it carried text; the text itself is the caller's to relay.
  void take(const gemini::EventData& event);

  struct Ending {
    std::string_view finish_reason;  // OpenAI's, when `error` is empty
    std::optional<ApiError> error;
  };
  // How the answer ends after the call returned `error` (empty: Gemini ended normally). A blocked
  // prompt is content_filter; an answer without a finish reason is stop when any text came, else a
  // 502 "incomplete". An empty answer with a finish reason is that finish reason, content "" (as
  // OpenAI's own models end a reply spent on reasoning).
  Ending ending(const std::optional<gemini::UpstreamError>& error) const;

  bool any_text() const { return any_text_; }
  const std::optional<gemini::Usage>& usage() const { return usage_; }
  const std::optional<std::string>& gemini_finish_reason() const { return finish_reason_; }

 private:
  bool any_text_ = false;  // answer text (thoughts do not count)
  std::optional<std::string> finish_reason_;
  std::optional<std::string> block_reason_;
  std::optional<gemini::Usage> usage_;
};

}  // namespace chatrelay::openai
