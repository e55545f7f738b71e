// StreamHandler: one coroutine per chat turn. The server's forced shutdown stops the upstream call;
// the connection races the whole handler against the client going away. Sessions are keyed by the
// caller's token and id (DESIGN.md §1), and a turn commits only when its answer completed.
#include "chatrelay/chat/stream_handler.hpp"

#include <cmath>
#include <utility>
#include <variant>

#include "chatrelay/chat/artifacts.hpp"
#include "chatrelay/chat/conversation.hpp"
#include "chatrelay/chat/ndjson.hpp"
#include "chatrelay/chat/validation.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"

namespace chatrelay::chat {
namespace {

// One answer is at most 65,536 output tokens (Gemini 2.5), a few hundred KB of text; an upstream
// that never stops must not grow the answer held for the complete chunk without bound.
constexpr std::size_t max_answer_bytes = 8 * 1024 * 1024;
struct AnswerTooLarge {};

// Finish reasons that mean "stopped for policy reasons" rather than "done".
bool is_block_finish(std::string_view reason) {
  return reason == "SAFETY" || reason == "RECITATION" || reason == "PROHIBITED_CONTENT" ||
         reason == "BLOCKLIST" || reason == "SPII" || reason == "IMAGE_SAFETY" || reason == "LANGUAGE";
}

// Releases the session's busy mark however the handler ends (complete, error, cancellation), or
// earlier: a completed turn releases it before its complete chunk goes out.
class SessionLease {
 public:
  SessionLease(memory::SessionStore& store, std::string_view key) : store_(store), key_(key) {}
  ~SessionLease() { release(); }
  SessionLease(const SessionLease&) = delete;
  SessionLease& operator=(const SessionLease&) = delete;

  void release() {
    if (std::exchange(held_, false)) store_.release(key_);
  }

 private:
  memory::SessionStore& store_;
  std::string_view key_;
  bool held_ = true;
};

// Counts a stream as active for as long as it lives, and how it ended.
class StreamGauge {
 public:
  StreamGauge() { ++metrics::registry().streams_active; }
  ~StreamGauge() {
    auto& m = metrics::registry();
    --m.streams_active;
    if (outcome_ == nullptr) ++m.streams_disconnected;  // cancelled: the client went away
    else ++*outcome_;
  }
  void ended(std::uint64_t& counter) { outcome_ = &counter; }

 private:
  std::uint64_t* outcome_ = nullptr;
};

using clock = std::chrono::steady_clock;

double seconds_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// What the answer added up to while it streamed.
struct Answer {
  std::string text;
  std::optional<std::string> finish_reason;
  std::optional<gemini::Usage> usage;
  std::optional<std::string> block_reason;
  std::optional<std::string> model_version;
};

}  // namespace

StreamHandler::StreamHandler(const config::Settings& settings, gemini::Client& client, memory::SessionStore& sessions)
    : settings_(settings),
      client_(client),
      sessions_(sessions),
      session_limiter_(settings.server.session_rate_per_s, settings.server.session_burst) {
  const auto& g = settings.gemini;
  options_.system_prompt = g.system_prompt;
  options_.temperature = g.temperature;
  options_.max_output_tokens = g.max_output_tokens;
  options_.thinking_budget = g.thinking_budget;
  options_.include_thoughts = g.include_thoughts;
}

awaitable<void> StreamHandler::operator()(http::Exchange& ex) {
  const auto& req = ex.request();
  auto parsed = parse_chat_request(req.body, req.header("content-type"));
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    http1::Response r;
    r.status = rejection->status;
    r.body = std::move(rejection->body);
    co_await ex.respond(std::move(r));
    co_return;
  }
  auto& chat = std::get<ChatRequest>(parsed);
  std::string session_id = chat.session_id ? *chat.session_id : random_hex_id();
  const std::string key = session_key(ex.principal(), session_id);
  if (auto wait = session_limiter_.acquire(key)) {
    auto r = http1::json_error(429, "Too many messages for this session; wait a moment and send again.");
    r.header("Retry-After", std::to_string(static_cast<long>(std::ceil(*wait))));
    co_await ex.respond(std::move(r));
    co_return;
  }
  if (!sessions_.try_acquire(key)) {
    co_await ex.respond(http1::json_error(
        409, "Session " + session_id + " is still streaming a reply; wait for it to finish, then send again."));
    co_return;
  }
  SessionLease lease(sessions_, key);

  // Who owns the transcript (DESIGN.md §1): one turn is new and follows the stored history; more
  // are the client's own, and replace it. The body is written straight from the store's turns.
  const bool transcript = chat.messages.size() > 1;
  std::string body;
  if (transcript) {
    window_transcript(chat.messages, settings_.memory.max_history_messages);
    body = gemini::build_request_body(chat.messages, options_, chat.system);
  } else {
    const auto history = sessions_.window(key);
    std::size_t text_bytes = options_.system_prompt.size() + chat.messages.front().text.size();
    for (const auto& turn : history) text_bytes += turn.text.size();
    gemini::RequestBodyBuilder builder(text_bytes);
    for (const auto& turn : history) builder.add(turn);
    builder.add(chat.messages.front());
    body = std::move(builder).finish(options_, chat.system);
  }

  // The head goes out once the Gemini request has (see Client::WaitHook), or before anything else
  // is written. Built before any co_await: GCC 12 miscompiles brace-initialised temporaries inside one.
  std::vector<http1::Header> stream_headers;
  stream_headers.push_back({"Cache-Control", "no-cache"});
  stream_headers.push_back({"X-Accel-Buffering", "no"});
  stream_headers.push_back({"X-Session-Id", session_id});
  bool head_sent = false;
  auto send_head = [&]() -> awaitable<void> {
    if (std::exchange(head_sent, true)) co_return;
    co_await ex.start_stream(200, "application/x-ndjson", std::move(stream_headers));
  };
  StreamGauge gauge;
  auto& m = metrics::registry();

  std::string out;
  if (!settings_.gemini.api_key || settings_.gemini.api_key->empty()) {
    append_error(out, ErrorCode::invalid_api_key,
                 "No Gemini API key is configured. Set GEMINI_API_KEY (or gemini.api_key) and restart chatrelay.");
    co_await send_head();
    co_await ex.finish_stream(out);
    gauge.ended(m.streams_error);
    co_return;
  }

  Answer answer;
  const auto call_start = clock::now();
  std::optional<clock::time_point> first_event;
  const bool thoughts = settings_.gemini.include_thoughts;
  auto sink = [&](std::span<const gemini::EventData> events) -> awaitable<void> {
    const bool first = !first_event;
    if (first) first_event = clock::now();
    out.clear();
    for (const auto& ev : events) {
      if (!ev.thought.empty() && thoughts) append_token(out, "thinking", ev.thought);
      if (!ev.text.empty()) {
        append_token(out, "token", ev.text);
        if (answer.text.size() + ev.text.size() > max_answer_bytes) throw AnswerTooLarge{};
        answer.text.append(ev.text);
        ++m.tokens_streamed;
      }
      if (ev.finish_reason) answer.finish_reason = ev.finish_reason;
      if (ev.usage) answer.usage = ev.usage;
      if (ev.block_reason) answer.block_reason = ev.block_reason;
      if (ev.model_version) answer.model_version = ev.model_version;
    }
    co_await send_head();  // a no-op: the client's wait hook has sent it
    co_await ex.write_chunk(out);  // one gathered write per upstream read
    m.stream_bytes += out.size();
    if (first) {
      // Our share of the time to first token: all of it minus the wait for Gemini's first event.
      double ours = seconds_between(ex.started_at(), clock::now()) - seconds_between(call_start, *first_event);
      m.added_ttft.observe(std::max(ours, 0.0));
      m.upstream_ttft.observe(seconds_between(call_start, *first_event));
    }
  };

  // The server's forced shutdown ends the upstream call; the stream then ends with an error chunk.
  gemini::StreamOutcome outcome;
  bool too_large = false;
  if (ex.forced_end()) {
    outcome.stopped = true;
  } else {
    try {
      outcome = co_await client_.stream(settings_.gemini.model, body, sink, ex.request_id(), ex.forced_end_slot(),
                                        send_head);
    } catch (const AnswerTooLarge&) {
      too_large = true;  // the upstream call is closed already: its frame is gone
    }
  }
  m.upstream_duration.observe(seconds_between(call_start, clock::now()));
  out.clear();
  bool completed = false;
  if (too_large) {
    m.count_upstream_error(ErrorCode::upstream_protocol);
    append_error(out, ErrorCode::upstream_protocol,
                 "Gemini's answer grew past 8 MiB without ending; it was cut short. Send the message again.");
  } else if (outcome.stopped) {
    append_error(out, ErrorCode::shutting_down,
                 "chatrelay is shutting down; the answer was cut short. Send the message again in a moment.");
  } else {
    const bool visible = has_visible_text(answer.text);
    if (outcome.error) {
      append_error(out, outcome.error->code, outcome.error->message, outcome.error->retry_after_s);
    } else if (answer.block_reason) {
      append_error(out, ErrorCode::blocked,
                   "Gemini refused this prompt (" + *answer.block_reason + "). Rephrase the message and try again.");
    } else if (!visible && answer.finish_reason && is_block_finish(*answer.finish_reason)) {
      append_error(out, ErrorCode::blocked,
                   "Gemini stopped before answering (" + *answer.finish_reason + "). Rephrase the message and try again.");
    } else if (!visible && !answer.finish_reason) {
      append_error(out, ErrorCode::incomplete, "Gemini ended the answer without any text. Send the message again.");
    } else if (!visible) {
      // Gemini 2.5 sometimes finishes, or runs out of tokens thinking, without a word of answer.
      log::warn("answer without visible text", {log::kv("request_id", ex.request_id()),
                                                 log::kv("finish_reason", *answer.finish_reason)});
      if (*answer.finish_reason == "MAX_TOKENS") {
        append_error(out, ErrorCode::incomplete,
                     "Gemini ran out of room before writing any answer. Send the message again, or ask for "
                     "something shorter.");
      } else {
        append_error(out, ErrorCode::empty_answer, "Gemini finished without writing an answer. Send the message again or rephrase it.");
      }
    } else {
      auto artifacts = extract_artifacts(answer.text);
      Completion c;
      c.content = answer.text;
      c.artifacts = &artifacts;
      c.session_id = session_id;
      c.finish_reason = answer.finish_reason ? std::string_view(*answer.finish_reason) : "STOP";
      c.model = answer.model_version ? std::string_view(*answer.model_version) : settings_.gemini.model;
      c.usage = answer.usage;
      append_complete(out, c);
      completed = true;
    }
    ex.annotate("upstream_attempts", outcome.attempts);
    if (first_event) ex.annotate("upstream_ttft_ms", seconds_between(call_start, *first_event) * 1000);
    // The client has logged the failure in the operator's terms (Gemini call failed).
    if (outcome.error) m.count_upstream_error(outcome.error->code);
  }
  if (completed) {
    // Committed, and the session freed, before the client reads the complete chunk: a client that
    // sends its next turn the moment it has it finds the history there and no 409 (DESIGN.md §1).
    // Any other ending commits nothing, so a retry starts from the same history.
    chat.messages.push_back({memory::Role::model, std::move(answer.text)});
    if (transcript) {
      sessions_.replace(key, std::move(chat.messages));
    } else {
      sessions_.append(key, std::move(chat.messages));
    }
    lease.release();
  }
  co_await send_head();  // a call stopped before it waited for Gemini
  co_await ex.finish_stream(out);  // the terminal chunk and the end of the stream, in one write
  m.stream_bytes += out.size();
  gauge.ended(completed ? m.streams_complete : m.streams_error);
}

}  // namespace chatrelay::chat
