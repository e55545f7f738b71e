// BodyDecoder and ResponseDecoder: the HTTP framing, SSE and event parsing of one answer, chained.
#include "chatrelay/gemini/response_decoder.hpp"

#include "chatrelay/gemini/errors.hpp"

namespace chatrelay::gemini {
namespace {

constexpr std::size_t max_error_body = 64 * 1024;

UpstreamError protocol_error(std::string message, std::string detail) {
  UpstreamError e;
  e.code = ErrorCode::upstream_protocol;
  e.message = std::move(message);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

void BodyDecoder::release_buffers() {
  std::vector<EventData>().swap(batch_);
  sse_.release_buffers();
}

Decoded BodyDecoder::feed(std::string_view body, bool at_end) {
  Decoded out;
  if (status_ != 200) {
    if (error_body_.size() < max_error_body) error_body_.append(body.substr(0, max_error_body - error_body_.size()));
    if (at_end) {
      out.error = error_from_response(status_, error_body_);
      out.done = true;
    }
    return out;
  }
  std::size_t count = 0;
  std::optional<UpstreamError> failure;
  auto on_event = [&](std::string_view data, bool raw) {
    if (failure || (data.empty() && !raw)) return;  // an empty event carries nothing
    if (count == batch_.size()) batch_.emplace_back();
    if (events_.parse(data, batch_[count]) != EventParser::Result::ok) {
      failure = raw ? protocol_error("Gemini sent data that is not a server-sent event; the answer is incomplete.",
                                     "a body line outside any SSE field, " + std::to_string(data.size()) +
                                         " bytes, is neither an event nor an error object")
                    : protocol_error("Gemini sent an event that is not valid JSON; the answer is incomplete.",
                                     "an SSE event of " + std::to_string(data.size()) + " bytes is not a JSON object");
      return;
    }
    ++count;
  };
  if (sse_.feed(body, on_event) != SseDecoder::Status::ok)
    failure = protocol_error("Gemini sent an event larger than chatrelay accepts.",
                             "an SSE event or line over the decoder's 8 MiB bound");
  else if (at_end)
    sse_.finish(on_event);
  // Hand on what came before an error object, then stop at the error.
  for (std::size_t i = 0; i < count; ++i) {
    if (batch_[i].error) {
      out.events = std::span<const EventData>(batch_.data(), i);
      out.error = std::move(batch_[i].error);
      out.done = true;
      return out;
    }
  }
  out.events = std::span<const EventData>(batch_.data(), count);
  if (failure) {
    out.error = std::move(failure);
    out.done = true;
  } else {
    out.done = at_end;
  }
  return out;
}

Decoded ResponseDecoder::feed(std::string_view bytes, bool eof) {
  if (!bytes.empty()) started_ = true;
  bool complete = false;
  while (!bytes.empty() && !complete) {
    const auto r = parser_.feed(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.event == http1::MessageParser::Event::error) {
      Decoded out;
      out.error = protocol_error("Gemini's answer is not valid HTTP; it was cut short.",
                                 "invalid HTTP from Gemini: " + std::string(parser_.error_reason()));
      out.done = true;
      return out;
    }
    complete = r.event == http1::MessageParser::Event::message_complete;
  }
  if (eof && !complete) {
    complete = parser_.finish();
    if (!complete) {
      Decoded out;
      out.error.emplace();
      out.error->code = ErrorCode::upstream_unavailable;
      out.error->message = "Gemini closed the connection in the middle of the answer.";
      out.error->detail = std::string("connection closed before the answer was complete (") +
                          (parser_.headers_complete() ? "in the body" : "in the head") + ")";
      out.done = true;
      return out;
    }
  }
  if (!parser_.headers_complete()) return {};
  auto& message = parser_.message();
  if (body_.status() == 0) {
    body_.set_status(message.status);
    message.headers = {};  // nothing reads them (status and framing are parsed): not held for the stream
  }
  if (message.body.empty() && !complete) return {};
  Decoded out = body_.feed(message.body, complete);
  message.body.clear();
  reusable_ = complete && !eof && message.keep_alive && (!out.error || body_.status() != 200);
  return out;
}

}  // namespace chatrelay::gemini
