// Gemini's end of an answer in OpenAI's terms: finish reasons, usage, and the ending.
#include "chatrelay/openai/answer.hpp"

#include "chatrelay/json/writer.hpp"

namespace chatrelay::openai {

std::string_view finish_reason(std::string_view gemini_reason) {
  if (gemini_reason == "MAX_TOKENS") return "length";
  return gemini::is_policy_stop(gemini_reason) ? "content_filter" : "stop";
}

void append_usage(std::string& out, const std::optional<gemini::Usage>& usage) {
  if (!usage) {
    out.append("null");
    return;
  }
  const std::int64_t completion = usage->output_tokens + usage->thoughts_tokens;
  const std::int64_t total = usage->total_tokens > 0 ? usage->total_tokens : usage->prompt_tokens + completion;
  json::ObjectWriter object(out);
  object.number("prompt_tokens", usage->prompt_tokens)
      .number("completion_tokens", completion)
      .number("total_tokens", total);
  if (usage->thoughts_tokens > 0) {
    std::string details;
    json::ObjectWriter(details).number("reasoning_tokens", usage->thoughts_tokens).close();
    object.raw("completion_tokens_details", details);
  }
  object.close();
}

void Answer::take(const gemini::EventData& event) {
  any_text_ = any_text_ || !event.text.empty();
  if (event.finish_reason) finish_reason_ = event.finish_reason;
  if (event.block_reason) block_reason_ = event.block_reason;
  if (event.usage) usage_ = event.usage;
}

Answer::Ending Answer::ending(const std::optional<gemini::UpstreamError>& error) const {
  if (error) return {{}, from_upstream(*error)};
  if (block_reason_) return {"content_filter", {}};
  if (finish_reason_) return {finish_reason(*finish_reason_), {}};
  if (any_text_) return {"stop", {}};
  gemini::UpstreamError incomplete;
  incomplete.code = ErrorCode::incomplete;
  incomplete.message = "Gemini ended the answer without any text. Send the request again.";
  return {{}, from_upstream(incomplete)};
}

}  // namespace chatrelay::openai
