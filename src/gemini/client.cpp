// Client: the calls of one stream() — a Call per attempt, retried with backoff while no event
// has been handed on — with the stop slot pointing at whatever step is running.
#include "chatrelay/gemini/client.hpp"

#include <array>
#include <utility>

#include "call.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/gemini/event_parser.hpp"
#include "chatrelay/gemini/retry_policy.hpp"
#include "pool.hpp"

namespace chatrelay::gemini {

struct Client::Impl {
  Impl(asio::io_context& io_, const config::GeminiSettings& s) : io(io_), settings(s), pool(io_, settings) {
    policy.max_retries = s.max_retries;
    policy.max_retry_wait_s = s.max_retry_wait_s;
  }

  asio::io_context& io;
  config::GeminiSettings settings;
  Pool pool;
  RetryPolicy policy;
  // Every read of every call lands here (see Call).
  std::array<char, 16 * 1024> read_buffer;
  // One event parser for every call: parse() runs to completion between two awaits and its
  // results own their strings, so concurrent calls on this one thread can share it.
  EventParser events;

  // The operator's line about a stream that ended with an error (DESIGN.md §1: the user's chunk
  // says what happened; this says why), with the key masked in both registers.
  void report(StreamOutcome& out, std::string_view request_id) const {
    const std::string_view key = settings.api_key ? std::string_view(*settings.api_key) : std::string_view();
    redact(out.error->message, key);
    redact(out.error->detail, key);
    std::vector<log::Field> fields{log::kv("request_id", request_id), log::kv("code", wire_name(out.error->code)),
                                   log::kv("attempts", out.attempts)};
    if (out.error->http_status != 0) fields.push_back(log::kv("http_status", out.error->http_status));
    fields.push_back(log::kv("detail", out.error->detail));
    log::write(LogLevel::warn, "Gemini call failed", fields);
  }
};

namespace {

// What the stop slot reaches while a stream() runs: the step in progress (a call, or the wait
// before a retry). A stop before any step began is remembered.
struct StopTarget {
  std::function<void()> current;
  bool requested = false;
  void operator()(asio::cancellation_type) {
    requested = true;
    if (current) current();
  }
};

// Connects `slot` to `target` for as long as it lives.
class SlotGuard {
 public:
  SlotGuard(asio::cancellation_slot slot, StopTarget& target) : slot_(slot) {
    if (slot_.is_connected()) slot_.assign([&target](asio::cancellation_type t) { target(t); });
  }
  ~SlotGuard() {
    if (slot_.is_connected()) slot_.clear();
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  asio::cancellation_slot slot_;
};

// The wait before a retry, in a frame of its own: its timer is not kept in the frame of stream()
// for the whole length of an answer.
awaitable<void> wait_before_retry(asio::io_context& io, std::chrono::milliseconds delay, StopTarget& target) {
  asio::steady_timer wait(io, delay);
  target.current = [&wait] { wait.cancel(); };
  auto [ec] = co_await wait.async_wait(use_tuple);
  target.current = nullptr;
  if (ec && !target.requested) throw std::system_error(ec, "retry wait");
}

}  // namespace

Client::Client(asio::io_context& io, const config::GeminiSettings& settings)
    : impl_(std::make_unique<Impl>(io, settings)) {}

Client::~Client() = default;

awaitable<StreamOutcome> Client::stream(const std::string& model, std::string body, EventSink sink,
                                        std::string_view request_id, asio::cancellation_slot stop, WaitHook waiting) {
  auto& impl = *impl_;
  // An attempt follows only one that handed on no event; after one, the body is not sent again.
  EventSink forward = [&body, &sink](std::span<const EventData> events) {
    if (body.capacity() > 0) std::string().swap(body);
    return sink(events);
  };
  StopTarget target;
  SlotGuard guard(stop, target);
  WaitHook* pending_hook = waiting ? &waiting : nullptr;
  constexpr int max_refusals = 8;
  for (int attempt = 0, stale = 0, refused = 0;; ++attempt) {
    StreamOutcome out;
    if (target.requested) {
      out.attempts = attempt;
      out.stopped = true;
      co_return out;
    }
    {
      Call call(impl.pool, impl.settings, impl.events, impl.read_buffer);
      target.current = [&call] { call.stop(); };
      out = co_await call.run(model, body, forward, pending_hook);
      target.current = nullptr;
      // A pooled connection the server had already closed: once, a fresh one, not counted. An
      // HTTP/2 stream Gemini refused unprocessed (GOAWAY): sent again, a few times, not counted
      // (unless it had answered: what was handed on would be handed on twice).
      const bool refused_unanswered = call.refused() && !out.any_event;
      if (out.error && ((call.stale_connection() && stale++ == 0) ||
                        (refused_unanswered && refused++ < max_refusals))) {
        --attempt;
        continue;
      }
    }
    out.attempts = attempt + 1;
    if (out.stopped || !out.error) co_return out;
    auto delay = out.any_event ? std::nullopt : impl.policy.next_delay(*out.error, attempt, random_u64());
    if (!delay) {
      impl.report(out, request_id);
      co_return out;
    }
    if (target.requested) continue;  // stopped in the sink or as the attempt ended
    ++metrics::registry().upstream_retries;
    redact(out.error->detail, impl.settings.api_key.value_or(""));
    log::info("retrying Gemini call", {log::kv("request_id", request_id), log::kv("code", wire_name(out.error->code)),
                                       log::kv("attempt", attempt + 1),
                                       log::kv("delay_ms", static_cast<std::int64_t>(delay->count())),
                                       log::kv("detail", out.error->detail)});
    co_await wait_before_retry(impl.io, *delay, target);
  }
}

void Client::close_idle() { impl_->pool.close_idle(); }

}  // namespace chatrelay::gemini
