// chat.completion.chunk events as the openai SDKs parse them: `data: {json}\n\n`, each chunk one
// choice (index 0) with a delta, the last with a finish_reason, then `data: [DONE]`.
#include "chatrelay/openai/chunk_stream.hpp"

#include <utility>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::openai {
namespace {

constexpr std::string_view done_event = "data: [DONE]\n\n";

}  // namespace

ChunkStream::ChunkStream(const Identity& identity, bool include_usage, bool reasoning)
    : include_usage_(include_usage), reasoning_(reasoning) {
  head_ = "data: {";
  head_.append(R"("id":)");
  json::append_string(head_, identity.id);
  head_.append(R"(,"object":"chat.completion.chunk","created":)").append(std::to_string(identity.created));
  head_.append(R"(,"model":)");
  json::append_string(head_, identity.model);
  head_.push_back(',');
}

void ChunkStream::open_chunk(std::string& out) const { out.append(head_); }

void ChunkStream::close_chunk(std::string& out) const {
  // OpenAI's own chunks say "usage":null until the usage chunk when usage was asked for.
  out.append(include_usage_ ? R"(,"usage":null})" : "}").append("\n\n");
}

void ChunkStream::delta_chunk(std::string& out, std::string_view delta_json, std::string_view finish) const {
  open_chunk(out);
  out.append(R"("choices":[{"index":0,"delta":)").append(delta_json).append(R"(,"logprobs":null,"finish_reason":)");
  if (finish.empty()) out.append("null");
  else json::append_string(out, finish);
  out.append("}]");
  close_chunk(out);
}

void ChunkStream::start(std::string& out) {
  if (std::exchange(started_, true)) return;
  delta_chunk(out, R"({"role":"assistant","content":""})", {});
}

void ChunkStream::feed(std::span<const gemini::EventData> events, std::string& out) {
  for (const auto& event : events) {
    answer_.take(event);
    const bool thought = reasoning_ && !event.thought.empty();
    if (event.text.empty() && !thought) continue;
    start(out);
    delta_.clear();
    json::ObjectWriter delta(delta_);
    if (thought) delta.string("reasoning_content", event.thought);
    if (!event.text.empty()) delta.string("content", event.text);
    delta.close();
    delta_chunk(out, delta_, {});
  }
}

std::optional<ApiError> ChunkStream::end(const std::optional<gemini::UpstreamError>& error, std::string& out) {
  auto ending = answer_.ending(error);
  if (ending.error) {
    if (!started_) return std::move(ending.error);
    fail(*ending.error, out);
    return std::nullopt;
  }
  start(out);  // an empty answer still says who speaks
  delta_chunk(out, "{}", ending.finish_reason);
  if (include_usage_) {
    open_chunk(out);
    out.append(R"("choices":[],"usage":)");
    append_usage(out, answer_.usage());
    out.append("}\n\n");
  }
  out.append(done_event);
  return std::nullopt;
}

void ChunkStream::fail(const ApiError& error, std::string& out) {
  failed_ = true;
  out.append("data: ");
  append_error(out, error);
  out.append("\n\n").append(done_event);
}

}  // namespace chatrelay::openai
