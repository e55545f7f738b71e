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
#include "chatrelay/core/deadline.hpp"

namespace chatrelay::chat {
namespace {

using clock = std::chrono::steady_clock;

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

// What a turn says when the session store does not answer (DESIGN.md §4); the reason is logged.
constexpr std::string_view history_unavailable_message =
    "chatrelay cannot reach its session store right now, so this conversation's history cannot be read or "
    "saved. Nothing was saved; send the message again in a moment.";

}  // namespace

// The session's busy lease, given back however the turn ends (complete, error, cancellation), or
// earlier: a completed turn's commit gives it back before its complete chunk goes out. While the
// turn streams it is renewed (a store whose leases expire: Redis), so that a crashed instance's
// session is free again after the lease's time (DESIGN.md §3).
class StreamHandler::SessionLease {
 public:
  SessionLease(store::SessionStore& store, std::string key, std::string token)
      : store_(&store), key_(std::move(key)), token_(std::move(token)) {}
  ~SessionLease() { release(); }
  SessionLease(SessionLease&& other) noexcept
      : store_(other.store_),
        key_(std::move(other.key_)),
        token_(std::move(other.token_)),
        renewal_(std::move(other.renewal_)),
        held_(std::exchange(other.held_, false)) {}
  SessionLease& operator=(SessionLease&&) = delete;

  const std::string& key() const { return key_; }
  const std::string& token() const { return token_; }

  void keep_alive(const asio::any_io_executor& ex) {
    const auto every = store_->renew_every();
    if (every == std::chrono::steady_clock::duration::zero() || renewal_) return;
    renewal_ = std::make_shared<asio::steady_timer>(ex);
    asio::co_spawn(ex, renew(store_, key_, token_, renewal_, every), asio::detached);
  }
  // The commit gave it back.
  void given_back() {
    stop_renewal();
    held_ = false;
  }
  void release() {
    stop_renewal();
    if (std::exchange(held_, false)) store_->release(key_, token_);
  }

 private:
  static awaitable<void> renew(store::SessionStore* store, std::string key, std::string token,
                               std::shared_ptr<asio::steady_timer> timer, std::chrono::steady_clock::duration every) {
    for (;;) {
      timer->expires_after(every);
      auto [ec] = co_await timer->async_wait(use_tuple);
      if (ec) co_return;  // stopped
      try {
        co_await store->renew(key, token);
      } catch (const store::Unavailable&) {
        // Tried again at the next period; the commit says whether the turn could be saved.
      }
    }
  }
  void stop_renewal() {
    if (renewal_) renewal_->cancel();
    renewal_.reset();
  }

  store::SessionStore* store_;
  std::string key_;
  std::string token_;
  std::shared_ptr<asio::steady_timer> renewal_;
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

// Ends a turn the session store could not serve with history_unavailable; the reason goes to the
// log line of the same request (DESIGN.md §4).
awaitable<void> StreamHandler::end_unavailable(http::Exchange& ex, StreamHead& head, std::string_view step,
                                               std::string_view reason) {
  log::warn("session store unavailable",
            {log::kv("request_id", ex.request_id()), log::kv("step", step), log::kv("reason", reason)});
  std::string out;
  append_error(out, ErrorCode::history_unavailable, history_unavailable_message);
  co_await end_stream(ex, head, out);
}

// The head if it has not gone out yet (a call stopped before it waited for Gemini), then the
// terminal chunk and the end of the stream, in one write.
awaitable<void> StreamHandler::end_stream(http::Exchange& ex, StreamHead& head, std::string_view out) {
  co_await head.send();
  co_await ex.finish_stream(out);
  metrics::registry().stream_bytes += out.size();
}

// The session's turn under the rate limit, then its lease: the wait when the limit says wait, else
// the lease's token, or nothing when another turn holds it. Throws store::Unavailable.
awaitable<StreamHandler::Claim> StreamHandler::claim(std::string key) {
  Claim c;
  c.wait = co_await sessions_.take_turn(key);
  if (!c.wait) c.lease = co_await sessions_.acquire(key);
  co_return c;
}

// A request that passed admission: its turns, and the session it holds until it ends.
struct StreamHandler::Admitted {
  ChatRequest chat;
  bool transcript;  // the client sent its own transcript, which replaces the stored history
  std::string session_id;
  SessionLease lease;
  std::optional<store::Session> history;  // what build read (a new turn: not a transcript), for the commit
};

StreamHandler::StreamHandler(const config::Settings& settings, gemini::Client& client, store::SessionStore& sessions)
    : settings_(settings), client_(client), sessions_(sessions) {
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
  StreamHead head(ex, turn->session_id);
  StreamGauge gauge;
  auto& m = metrics::registry();
  auto built = co_await store::attempt(build(*turn));
  if (const auto* failure = std::get_if<store::Failure>(&built)) {
    co_await end_unavailable(ex, head, "read", failure->reason);
    gauge.ended(m.streams_error);
    co_return;
  }
  if (!settings_.gemini.api_key || settings_.gemini.api_key->empty()) {
    std::string out;
    append_error(out, ErrorCode::invalid_api_key,
                 "No Gemini API key is configured. Set GEMINI_API_KEY (or gemini.api_key) and restart chatrelay.");
    co_await end_stream(ex, head, out);
    gauge.ended(m.streams_error);
    co_return;
  }
  Answer answer(settings_.gemini.include_thoughts);
  const CallEnd end = co_await relay(ex, std::move(std::get<std::string>(built)), answer, head);
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
  const auto claimed = co_await store::attempt(claim(key));
  if (const auto* failure = std::get_if<store::Failure>(&claimed)) {
    // Before any history is read: the turn is answered as one that could not read it.
    StreamHead head(ex, session_id);
    co_await end_unavailable(ex, head, "admit", failure->reason);
    ++metrics::registry().streams_error;
    co_return std::nullopt;
  }
  const auto& [wait, lease] = std::get<Claim>(claimed);
  if (wait) {
    auto r = http1::json_error(429, "Too many messages for this session; wait a moment and send again.");
    r.header("Retry-After", std::to_string(static_cast<long>(std::ceil(*wait))));
    co_await ex.respond(std::move(r));
    co_return std::nullopt;
  }
  if (!lease) {
    co_await ex.respond(http1::json_error(
        409, "Session " + session_id + " is still streaming a reply; wait for it to finish, then send again."));
    co_return std::nullopt;
  }
  SessionLease held(sessions_, std::move(key), *lease);
  held.keep_alive(co_await asio::this_coro::executor);
  const bool transcript = chat.messages.size() > 1;
  co_return Admitted{std::move(chat), transcript, std::move(session_id), std::move(held), std::nullopt};
}

// Who owns the transcript (DESIGN.md §1): one turn is new and follows the stored history; more are
// the client's own, and replace it. Throws store::Unavailable.
awaitable<std::string> StreamHandler::build(Admitted& turn) const {
  auto& messages = turn.chat.messages;
  if (turn.transcript) {
    window_transcript(messages, settings_.memory.max_history_messages);
    co_return gemini::build_request_body(messages, options_, turn.chat.system);
  }
  turn.history = co_await sessions_.read(turn.lease.key());
  static const std::vector<memory::Turn> none;
  const auto& history = turn.history ? turn.history->turns : none;
  std::size_t text_bytes = options_.system_prompt.size() + messages.front().text.size();
  for (const auto& past : history) text_bytes += past.text.size();
  gemini::RequestBodyBuilder builder(text_bytes);
  for (const auto& past : history) builder.add(past);
  builder.add(messages.front());
  co_return std::move(builder).finish(options_, turn.chat.system);
}

awaitable<CallEnd> StreamHandler::relay(http::Exchange& ex, std::string body, Answer& answer, StreamHead& head) {
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
      const double upstream = to_seconds(*first_event - call_start);
      m.added_ttft.observe(std::max(to_seconds(clock::now() - ex.started_at()) - upstream, 0.0));
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
    outcome = co_await client_.stream(settings_.gemini.model, std::move(body), sink, ex.request_id(),
                                      ex.forced_end_slot(),
                                      [&head] { return head.send(); });
  } catch (const AnswerTooLarge&) {
    end.too_large = true;  // the upstream call is closed already: its frame is gone
    m.count_upstream_error(ErrorCode::upstream_protocol);
  }
  m.upstream_duration.observe(to_seconds(clock::now() - call_start));
  if (end.too_large) co_return end;
  end.stopped = outcome.stopped;
  if (outcome.stopped) co_return end;
  ex.annotate("upstream_attempts", outcome.attempts);
  if (first_event) ex.annotate("upstream_ttft_ms", to_seconds(*first_event - call_start) * 1000);
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
    // Any other ending commits nothing, so a retry starts from the same history. A commit that
    // fails ends the turn with history_unavailable instead, and nothing was written.
    auto& messages = turn.chat.messages;
    messages.push_back({memory::Role::model, answer.take_text()});
    // A new turn builds on the history build read; a transcript read none and replaces it.
    store::Commit commit{turn.lease.key(),    random_hex_id(),  std::move(turn.history), !turn.transcript,
                         std::move(messages), turn.transcript,  turn.lease.token()};
    if (const auto failure = co_await store::attempt(sessions_.commit(std::move(commit)))) {
      co_await end_unavailable(ex, head, "commit", failure->reason);
      co_return false;
    }
    turn.lease.given_back();
  }
  co_await end_stream(ex, head, out);
  co_return !error;
}

}  // namespace chatrelay::chat
