// A streamed answer: Gemini's events in, OpenAI's chat.completion.chunk server-sent events out
// (DESIGN.md §1, OpenAI-compatible API). Thoughts never reach `content`.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "chatrelay/gemini/events.hpp"
#include "chatrelay/openai/answer.hpp"
#include "chatrelay/openai/errors.hpp"
#include "chatrelay/openai/identity.hpp"

namespace chatrelay::openai {

class ChunkStream {
 public:
  // `include_usage`: stream_options.include_usage (every chunk then says "usage":null, and a
  // last chunk with no choices carries it). `reasoning`: thought text goes out as
  // delta.reasoning_content; otherwise it is dropped.
  ChunkStream(const Identity& identity, bool include_usage, bool reasoning);

  // Appends the chunks for one read's events: the role chunk ({"role":"assistant","content":""})
  // before the first, then one chunk per event that has text. Nothing for events without text.
  void feed(std::span<const gemini::EventData> events, std::string& out);
  // Whether any chunk was appended: from then on a failure can only be an event in the stream.
  bool started() const { return started_; }

  // Ends the stream after the call returned `error` (empty: Gemini ended normally): the chunk with
  // the finish_reason and an empty delta, the usage chunk when asked for, then `data: [DONE]`; a
  // failure once chunks went out is an error event, then [DONE]. A failure before any chunk
  // appends nothing and is returned: the caller answers it with its HTTP status.
  std::optional<ApiError> end(const std::optional<gemini::UpstreamError>& error, std::string& out);
  // Appends an error event and [DONE] (the stream has started).
  void fail(const ApiError& error, std::string& out);
  // Whether the stream ended with an error event.
  bool failed() const { return failed_; }

  const Answer& answer() const { return answer_; }

 private:
  // The role chunk, once.
  void start(std::string& out);
  void open_chunk(std::string& out) const;
  void close_chunk(std::string& out) const;
  void delta_chunk(std::string& out, std::string_view delta_json, std::string_view finish) const;

  std::string head_;  // `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,`
  bool include_usage_;
  bool reasoning_;
  bool started_ = false;
  bool failed_ = false;
  Answer answer_;
  std::string delta_;  // scratch for one delta object
};

}  // namespace chatrelay::openai
