// What Gemini's answer adds up to while it streams, and how a chat turn ends: the pure decisions
// of the stream handler (DESIGN.md §1, the chunks and error codes).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "chatrelay/core/error_code.hpp"
#include "chatrelay/gemini/events.hpp"

namespace chatrelay::chat {

// One answer is at most 65,536 output tokens (Gemini 2.5), a few hundred KB of text; an upstream
// that never stops must not grow the answer held for the complete chunk without bound.
inline constexpr std::size_t max_answer_bytes = 8 * 1024 * 1024;

class Answer {
 public:
  explicit Answer(bool include_thoughts) : include_thoughts_(include_thoughts) {}

  // Appends the chunks of one event to `out` (thinking chunks when thoughts are included, then a
  // token chunk) and keeps its text and what it says about the end. False when the text would
  // pass max_answer_bytes: then nothing of the event is kept.
  bool take(const gemini::EventData& event, std::string& out);

  const std::string& text() const { return text_; }
  std::string take_text() { return std::move(text_); }
  const std::optional<std::string>& finish_reason() const { return finish_reason_; }
  const std::optional<gemini::Usage>& usage() const { return usage_; }
  const std::optional<std::string>& model_version() const { return model_version_; }
  const std::optional<std::string>& block_reason() const { return block_reason_; }

 private:
  bool include_thoughts_;
  std::string text_;
  std::optional<std::string> finish_reason_;
  std::optional<gemini::Usage> usage_;
  std::optional<std::string> block_reason_;
  std::optional<std::string> model_version_;
};

// How the upstream call ended, as the handler saw it.
struct CallEnd {
  std::optional<gemini::UpstreamError> error;  // the call's own failure, after its retries
  bool stopped = false;                        // the server's forced shutdown ended it
  bool too_large = false;                      // the answer passed max_answer_bytes
};

// The error chunk a turn ends with.
struct TurnError {
  ErrorCode code;
  std::string message;  // in the user's terms
  std::optional<double> retry_after_s;
  bool finished_without_text = false;  // Gemini said it finished, yet wrote nothing to show
};

// The error a turn ends with, or nothing when the answer completed: it has visible text and no
// failure. An answer without visible text is `blocked` (a blocked prompt or a policy stop),
// `incomplete` (no finish reason, or out of tokens before any answer) or `empty_answer` — never a
// complete chunk with "", whose empty model turn Gemini would refuse on every later turn.
std::optional<TurnError> turn_error(const Answer& answer, const CallEnd& end);

}  // namespace chatrelay::chat
