// The chat.completion object of a non-streamed answer.
#include "chatrelay/openai/completion.hpp"

#include "chatrelay/json/writer.hpp"

namespace chatrelay::openai {

bool CompletionCollector::feed(std::span<const gemini::EventData> events) {
  for (const auto& event : events) {
    answer_.take(event);
    content_.append(event.text);
    if (reasoning_) reasoning_content_.append(event.thought);
    if (content_.size() + reasoning_content_.size() > max_completion_bytes) return false;
  }
  return true;
}

ApiError CompletionCollector::too_large() {
  gemini::UpstreamError e;
  e.code = ErrorCode::upstream_protocol;
  e.message = "Gemini's answer grew past 8 MiB without ending; it was cut short. Send the request again.";
  return from_upstream(e);
}

std::variant<std::string, ApiError> CompletionCollector::end(const Identity& identity,
                                                             const std::optional<gemini::UpstreamError>& error) const {
  auto ending = answer_.ending(error);
  if (ending.error) return std::move(*ending.error);
  // Written in one pass: the content (up to 8 MiB) is copied once, into the body.
  std::string body;
  body.reserve(content_.size() + reasoning_content_.size() + content_.size() / 16 + 384);
  body.append(R"({"id":)");
  json::append_string(body, identity.id);
  body.append(R"(,"object":"chat.completion","created":)").append(std::to_string(identity.created));
  body.append(R"(,"model":)");
  json::append_string(body, identity.model);
  body.append(R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)");
  json::append_string(body, content_);
  body.append(R"(,"refusal":null)");
  if (!reasoning_content_.empty()) {
    body.append(R"(,"reasoning_content":)");
    json::append_string(body, reasoning_content_);
  }
  body.append(R"(},"logprobs":null,"finish_reason":)");
  json::append_string(body, ending.finish_reason);
  body.append(R"(}],"usage":)");
  append_usage(body, answer_.usage());
  body.push_back('}');
  return body;
}

}  // namespace chatrelay::openai
