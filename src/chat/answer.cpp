// The pure decisions of a chat turn: what an event adds to the answer, and how the turn ends.
#include "chatrelay/chat/answer.hpp"

#include "chatrelay/chat/conversation.hpp"
#include "chatrelay/chat/ndjson.hpp"

namespace chatrelay::chat {

bool Answer::take(const gemini::EventData& event, std::string& out) {
  if (text_.size() + event.text.size() > max_answer_bytes) return false;
  if (!event.thought.empty() && include_thoughts_) append_token(out, "thinking", event.thought);
  if (!event.text.empty()) {
    append_token(out, "token", event.text);
    text_.append(event.text);
  }
  if (event.finish_reason) finish_reason_ = event.finish_reason;
  if (event.usage) usage_ = event.usage;
  if (event.block_reason) block_reason_ = event.block_reason;
  if (event.model_version) model_version_ = event.model_version;
  return true;
}

std::optional<TurnError> turn_error(const Answer& answer, const CallEnd& end) {
  if (end.too_large) {
    return TurnError{ErrorCode::upstream_protocol,
                     "Gemini's answer grew past 8 MiB without ending; it was cut short. Send the message again.", {}};
  }
  if (end.stopped) {
    return TurnError{ErrorCode::shutting_down,
                     "chatrelay is shutting down; the answer was cut short. Send the message again in a moment.", {}};
  }
  if (end.error) return TurnError{end.error->code, end.error->message, end.error->retry_after_s};
  if (answer.block_reason()) {
    return TurnError{ErrorCode::blocked,
                     "Gemini refused this prompt (" + *answer.block_reason() + "). Rephrase the message and try again.", {}};
  }
  if (has_visible_text(answer.text())) return std::nullopt;
  const auto& reason = answer.finish_reason();
  if (!reason) {
    return TurnError{ErrorCode::incomplete, "Gemini ended the answer without any text. Send the message again.", {}};
  }
  if (gemini::is_policy_stop(*reason)) {
    return TurnError{ErrorCode::blocked,
                     "Gemini stopped before answering (" + *reason + "). Rephrase the message and try again.", {}};
  }
  // Gemini 2.5 sometimes finishes, or runs out of tokens thinking, without a word of answer.
  if (*reason == "MAX_TOKENS") {
    return TurnError{ErrorCode::incomplete,
                     "Gemini ran out of room before writing any answer. Send the message again, or ask for "
                     "something shorter.", {}, true};
  }
  return TurnError{ErrorCode::empty_answer,
                   "Gemini finished without writing an answer. Send the message again or rephrase it.", {}, true};
}

}  // namespace chatrelay::chat
