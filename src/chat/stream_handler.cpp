// StreamHandler: one coroutine per chat turn, in the steps its header names. The server's forced
// shutdown stops the upstream call; the connection races the whole handler against the client going
// away. Sessions are keyed by the caller's token and id (DESIGN.md §1), and a turn commits only
// when its answer completed.
#include "chatrelay/chat/stream_handler.hpp"

#include <cmath>
#include <utility>
#include <variant>

#include "chatrelay/chat/artifacts.hpp"
#include "chatrelay/chat/conversation.hpp"
#include "chatrelay/chat/ndjson.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"

namespace chatrelay::chat {
namespace {

using clock = std::chrono::steady_clock;

double seconds_between(clock::time_point a, clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

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
  StreamGauge(const StreamGauge&) = delete;
  StreamGauge& operator=(const StreamGauge&) = delete;
  void ended(std::uint64_t& counter) { outcome_ = &counter; }

 private:
  std::uint64_t* outcome_ = nullptr;
};

struct AnswerTooLarge {};

}  // namespace

// Releases the session's busy mark however the turn ends (complete, error, cancellation), or
// earlier: a completed turn releases it before its complete chunk goes out.
class StreamHandler::SessionLease {
 public:
  SessionLease(memory::SessionStore& store, std::string key) : store_(&store), key_(std::move(key)) {}
  ~SessionLease() { release(); }
  SessionLease(SessionLease&& other) noexcept
      : store_(other.store_), key_(std::move(other.key_)), held_(std::exchange(other.held_, false)) {}
  SessionLease& operator=(SessionLease&&) = delete;

  const std::string& key() const { return key_; }
  void release() {
    if (std::exchange(held_, false)) store_->release(key_);
  }

 private:
  memory::SessionStore* store_;
  std::string key_;
  bool held_ = true;
};

// The response head, sent once: when the Gemini request has gone out (the client's wait hook) or
// before anything else is written.
class StreamHandler::StreamHead {
 public:
  StreamHead(http::Exchange& ex, const std::string& session_id) : ex_(ex) {
    headers_.push_back({"Cache-Control", "no-cache"});
    headers_.push_back({"X-Accel-Buffering", "no"});
    headers_.push_back({"X-Session-Id", session_id});
  }
  awaitable<void> send() {
    if (std::exchange(sent_, true)) co_return;
    co_await ex_.start_stream(200, "application/x-ndjson", std::move(headers_));
  }

 private:
  http::Exchange& ex_;
  std::vector<http1::Header> headers_;
  bool sent_ = false;
};

// A request that passed admission: its turns, and the session it holds until it ends.
struct StreamHandler::Admitted {
  ChatRequest chat;
  bool transcript;  // the client sent its own transcript, which replaces the stored history
  std::string session_id;
  SessionLease lease;
};

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
  auto turn = co_await admit(ex);
  if (!turn) co_return;
  const std::string body = build(*turn);
  StreamHead head(ex, turn->session_id);
  StreamGauge gauge;
  auto& m = metrics::registry();
  if (!settings_.gemini.api_key || settings_.gemini.api_key->empty()) {
    std::string out;
    append_error(out, ErrorCode::invalid_api_key,
                 "No Gemini API key is configured. Set GEMINI_API_KEY (or gemini.api_key) and restart chatrelay.");
    co_await head.send();
    co_await ex.finish_stream(out);
    gauge.ended(m.streams_error);
    co_return;
  }
  Answer answer(settings_.gemini.include_thoughts);
  const CallEnd end = co_await relay(ex, body, answer, head);
  const bool completed = co_await finish(ex, *turn, answer, end, head);
  gauge.ended(completed ? m.streams_complete : m.streams_error);
}

awaitable<std::optional<StreamHandler::Admitted>> StreamHandler::admit(http::Exchange& ex) {
  const auto& req = ex.request();
  auto parsed = parse_chat_request(req.body, req.header("content-type"));
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    http1::Response r;
    r.status = rejection->status;
    r.body = std::move(rejection->body);
    co_await ex.respond(std::move(r));
    co_return std::nullopt;
  }
  auto& chat = std::get<ChatRequest>(parsed);
  std::string session_id = chat.session_id ? *chat.session_id : random_hex_id();
  std::string key = session_key(ex.principal(), session_id);
  if (auto wait = session_limiter_.acquire(key)) {
    auto r = http1::json_error(429, "Too many messages for this session; wait a moment and send again.");
    r.header("Retry-After", std::to_string(static_cast<long>(std::ceil(*wait))));
    co_await ex.respond(std::move(r));
    co_return std::nullopt;
  }
  if (!sessions_.try_acquire(key)) {
    co_await ex.respond(http1::json_error(
        409, "Session " + session_id + " is still streaming a reply; wait for it to finish, then send again."));
    co_return std::nullopt;
  }
  const bool transcript = chat.messages.size() > 1;
  co_return Admitted{std::move(chat), transcript, std::move(session_id), SessionLease(sessions_, std::move(key))};
}

// Who owns the transcript (DESIGN.md §1): one turn is new and follows the stored history; more are
// the client's own, and replace it. The body is written straight from the store's turns.
std::string StreamHandler::build(Admitted& turn) const {
  auto& messages = turn.chat.messages;
  if (turn.transcript) {
    window_transcript(messages, settings_.memory.max_history_messages);
    return gemini::build_request_body(messages, options_, turn.chat.system);
  }
  const auto history = sessions_.window(turn.lease.key());
  std::size_t text_bytes = options_.system_prompt.size() + messages.front().text.size();
  for (const auto& past : history) text_bytes += past.text.size();
  gemini::RequestBodyBuilder builder(text_bytes);
  for (const auto& past : history) builder.add(past);
  builder.add(messages.front());
  return std::move(builder).finish(options_, turn.chat.system);
}

awaitable<CallEnd> StreamHandler::relay(http::Exchange& ex, const std::string& body, Answer& answer, StreamHead& head) {
  auto& m = metrics::registry();
  const auto call_start = clock::now();
  std::optional<clock::time_point> first_event;
  std::string out;
  auto sink = [&](std::span<const gemini::EventData> events) -> awaitable<void> {
    const bool first = !first_event;
    if (first) first_event = clock::now();
    out.clear();
    for (const auto& ev : events) {
      if (!answer.take(ev, out)) throw AnswerTooLarge{};
      if (!ev.text.empty()) ++m.tokens_streamed;
    }
    co_await head.send();          // a no-op: the client's wait hook has sent it
    co_await ex.write_chunk(out);  // one gathered write per upstream read
    m.stream_bytes += out.size();
    if (first) {
      // Our share of the time to first token: all of it minus the wait for Gemini's first event.
      const double upstream = seconds_between(call_start, *first_event);
      m.added_ttft.observe(std::max(seconds_between(ex.started_at(), clock::now()) - upstream, 0.0));
      m.upstream_ttft.observe(upstream);
    }
  };

  CallEnd end;
  if (ex.forced_end()) {
    end.stopped = true;
    co_return end;
  }
  gemini::StreamOutcome outcome;
  try {
    outcome = co_await client_.stream(settings_.gemini.model, body, sink, ex.request_id(), ex.forced_end_slot(),
                                      [&head] { return head.send(); });
  } catch (const AnswerTooLarge&) {
    end.too_large = true;  // the upstream call is closed already: its frame is gone
    m.count_upstream_error(ErrorCode::upstream_protocol);
  }
  m.upstream_duration.observe(seconds_between(call_start, clock::now()));
  if (end.too_large) co_return end;
  end.stopped = outcome.stopped;
  if (outcome.stopped) co_return end;
  ex.annotate("upstream_attempts", outcome.attempts);
  if (first_event) ex.annotate("upstream_ttft_ms", seconds_between(call_start, *first_event) * 1000);
  // The client has logged the failure in the operator's terms (Gemini call failed).
  if (outcome.error) m.count_upstream_error(outcome.error->code);
  end.error = std::move(outcome.error);
  co_return end;
}

awaitable<bool> StreamHandler::finish(http::Exchange& ex, Admitted& turn, Answer& answer, const CallEnd& end,
                                      StreamHead& head) {
  std::string out;
  const auto error = turn_error(answer, end);
  if (error) {
    if (error->finished_without_text) {
      log::warn("answer without visible text", {log::kv("request_id", ex.request_id()),
                                                 log::kv("finish_reason", *answer.finish_reason())});
    }
    append_error(out, error->code, error->message, error->retry_after_s);
  } else {
    const auto artifacts = extract_artifacts(answer.text());
    Completion c;
    c.content = answer.text();
    c.artifacts = &artifacts;
    c.session_id = turn.session_id;
    c.finish_reason = answer.finish_reason() ? std::string_view(*answer.finish_reason()) : "STOP";
    c.model = answer.model_version() ? std::string_view(*answer.model_version()) : settings_.gemini.model;
    c.usage = answer.usage();
    append_complete(out, c);
    // Committed, and the session freed, before the client reads the complete chunk: a client that
    // sends its next turn the moment it has it finds the history there and no 409 (DESIGN.md §1).
    // Any other ending commits nothing, so a retry starts from the same history.
    auto& messages = turn.chat.messages;
    messages.push_back({memory::Role::model, answer.take_text()});
    if (turn.transcript) {
      sessions_.replace(turn.lease.key(), std::move(messages));
    } else {
      sessions_.append(turn.lease.key(), std::move(messages));
    }
    turn.lease.release();
  }
  co_await head.send();            // a call stopped before it waited for Gemini
  co_await ex.finish_stream(out);  // the terminal chunk and the end of the stream, in one write
  metrics::registry().stream_bytes += out.size();
  co_return !error;
}

}  // namespace chatrelay::chat
