// Client: one coroutine per call. A call takes a pooled TLS connection (or makes one), writes the
// request, and decodes the answer read by read: HTTP framing (MessageParser) → SSE events
// (SseDecoder) → typed events (EventParser). Non-200 answers become typed errors; 429/5xx/connect
// failures are retried before the first event is handed on (a certificate that fails
// verification is not: it does not heal).
#include "chatrelay/gemini/client.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/gate.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/gemini/endpoint.hpp"
#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/gemini/event_parser.hpp"
#include "chatrelay/gemini/retry_policy.hpp"
#include "chatrelay/gemini/sse_decoder.hpp"
#include "chatrelay/http1/message_parser.hpp"
#include "chatrelay/tls/client.hpp"
#include "chatrelay/tls/crypto.hpp"

namespace chatrelay::gemini {
namespace {

constexpr std::size_t max_error_body = 64 * 1024;
// New upstream connections being made at once. A handshake holds ~40 KB while it runs (OpenSSL's
// handshake buffer, key exchange, the certificate chain) and a burst of a thousand new streams
// would run them all at once: memory the allocator then keeps. The rest wait their turn, inside
// their connect_timeout_s; the CPU (one loop) could not do them faster anyway.
constexpr std::size_t max_concurrent_connects = 32;

// Points a StopSignal at what request() must cancel, for as long as it lives.
class StopHook {
 public:
  StopHook(StopSignal* stop, std::function<void()> cancel) : stop_(stop) {
    if (stop_) stop_->on_request(std::move(cancel));
  }
  ~StopHook() {
    if (stop_) stop_->on_request(nullptr);
  }
  StopHook(const StopHook&) = delete;
  StopHook& operator=(const StopHook&) = delete;

 private:
  StopSignal* stop_;
};

UpstreamError make_error(ErrorCode code, std::string message, std::string detail) {
  UpstreamError e;
  e.code = code;
  e.message = std::move(message);
  e.detail = std::move(detail);
  return e;
}

// "2", "0.5": seconds as the configuration wrote them.
std::string seconds_text(double s) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(s);
}

std::string address_text(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace

struct Client::Impl {
  asio::io_context& io;
  config::GeminiSettings settings;
  Endpoint endpoint;
  tls::ClientContext tls_ctx;
  RetryPolicy policy;
  Gate connects;
  std::vector<std::unique_ptr<tls::ClientStream>> idle;
  // Every read of every call lands here: ClientStream reads synchronously once data is there, and
  // a call feeds what it read to its decoders before it next suspends.
  std::array<char, 16 * 1024> read_buffer;
  // One event parser for every call: parse() runs to completion between two awaits and its
  // results own their strings, so concurrent calls on this one thread can share it.
  EventParser events;

  // The address when base_url names an IP literal (a local fake or proxy): no lookup then, and no
  // thread for asio's resolver.
  std::optional<tcp::endpoint> literal;

  Impl(asio::io_context& io_, const config::GeminiSettings& s)
      : io(io_), settings(s), endpoint(parse_endpoint(s.base_url)), tls_ctx(s.ca_file),
        connects(io_.get_executor(), max_concurrent_connects) {
    policy.max_retries = s.max_retries;
    policy.max_retry_wait_s = s.max_retry_wait_s;
    asio::error_code ec;
    const auto address = asio::ip::make_address(endpoint.host, ec);
    unsigned port = 0;
    const auto* end = endpoint.port.data() + endpoint.port.size();
    if (!ec && std::from_chars(endpoint.port.data(), end, port).ptr == end && port <= 65535)
      literal.emplace(address, static_cast<unsigned short>(port));
  }

  // One call's state: the connection and the decoders.
  struct Call {
    explicit Call(asio::io_context& io) : resolver(io) {}
    tcp::resolver resolver;            // its own: cancelling it must not touch other calls
    std::optional<Gate::Place> turn;   // while connecting
    std::unique_ptr<tls::ClientStream> conn;
    bool reused = false;
    http1::MessageParser parser{http1::MessageParser::Mode::response, {64 * 1024, SIZE_MAX}};
    SseDecoder sse;
    std::vector<EventData> batch;
    std::size_t batch_size = 0;
    bool any_response_byte = false;
    bool any_event = false;  // survives an exception: no retry once events were handed on
    bool connected = false;
    bool in_sink = false;
    FailedStep step = FailedStep::connect;  // how far the call came, for the wording of a failure
    bool certificate_rejected = false;
    std::size_t bytes_since_event = 0;  // response bytes read since the request or the last event
    // Set by a timeout or a stop. Cancelling the socket ends only a wait in progress; a stop
    // that lands between two waits (in the sink, or in the round a read completed) is kept here
    // so that the next wait does not begin.
    bool cancelled = false;

    // Before every wait: throws operation_aborted once the call was cancelled.
    void go_on() const {
      if (cancelled) throw std::system_error(asio::error::operation_aborted, "Gemini call cancelled");
    }
  };

  // Resolves, connects and handshakes into call.conn (set at once, so the deadline watcher can
  // cancel whichever step is pending). Throws std::system_error.
  awaitable<void> connect(Call& call, Deadline& deadline) {
    deadline.expires_after(seconds_f(settings.connect_timeout_s));
    call.turn.emplace(connects);
    co_await call.turn->enter();
    call.go_on();
    std::vector<tcp::endpoint> addresses;
    if (literal) {
      addresses.push_back(*literal);
    } else {
      auto [rec, results] = co_await call.resolver.async_resolve(endpoint.host, endpoint.port, use_tuple);
      if (rec) throw std::system_error(rec, "resolve " + endpoint.host);
      call.go_on();
      addresses.assign(results.begin(), results.end());
    }
    call.conn = std::make_unique<tls::ClientStream>(io, tls_ctx);
    co_await connect_socket(call, addresses);
    call.conn->socket().set_option(tcp::no_delay(true));
    std::string why;
    auto hec = co_await call.conn->handshake(endpoint.host, why);
    if (hec) {
      call.certificate_rejected = call.conn->peer_rejected();
      throw std::system_error(hec, "TLS handshake with " + endpoint.host + ": " + why);
    }
    call.go_on();
    auto& m = metrics::registry();
    ++m.upstream_connections;
    if (call.conn->session_reused()) ++m.upstream_tls_resumed;
    call.turn.reset();  // the next connection may start
  }

  // Tries each address in turn. The socket is opened here, not by asio's range connect, which
  // reports a socket it could not open (EMFILE) as operation_aborted, the same as a
  // cancellation. Throws std::system_error.
  awaitable<void> connect_socket(Call& call, const std::vector<tcp::endpoint>& addresses) {
    auto& socket = call.conn->socket();
    std::optional<std::system_error> failure;
    for (const auto& address : addresses) {
      call.go_on();
      asio::error_code ec;
      socket.close(ec);
      socket.open(address.protocol(), ec);
      if (ec) throw std::system_error(ec, "open a socket for " + address_text(address));  // no address can help
      auto [cec] = co_await socket.async_connect(address, use_tuple);
      if (!cec) co_return;
      if (cec == asio::error::operation_aborted) throw std::system_error(cec, "connect " + address_text(address));
      failure.emplace(cec, "connect " + address_text(address));
    }
    if (failure) throw *failure;
    throw std::system_error(asio::error::host_not_found, "resolve " + endpoint.host + ": no address");
  }

  std::unique_ptr<tls::ClientStream> take_idle() {
    while (!idle.empty()) {
      auto conn = std::move(idle.back());
      idle.pop_back();
      if (conn->idle_and_open()) return conn;
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<tls::ClientStream> conn) {
    if (idle.size() >= settings.pool_size || conn->cancelled()) return;
    conn->release_buffers();  // an idle connection holds no record buffers
    idle.push_back(std::move(conn));
  }

  // Writes head and body as one buffer: one TLS record and one write syscall for a typical
  // request, not two. The buffer is the call's own (write() may suspend while another call
  // builds its request), sized once so that it never moves, wiped and freed on the way out: the
  // key does not linger in memory, and the body copy is not held for the length of the stream.
  awaitable<asio::error_code> write_request(tls::ClientStream& conn, const std::string& model, const std::string& body) {
    const std::string_view key = settings.api_key ? std::string_view(*settings.api_key) : std::string_view();
    const std::string target = endpoint.stream_target(model);
    std::string request;
    request.reserve(256 + target.size() + endpoint.host_header.size() + key.size() + body.size());
    struct Wipe {
      std::string& s;
      ~Wipe() {
        tls::cleanse(s.data(), s.size());
        std::string().swap(s);
      }
    } wipe{request};
    request.append("POST ").append(target).append(" HTTP/1.1\r\nHost: ").append(endpoint.host_header);
    request.append("\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nUser-Agent: chatrelay\r\n");
    request.append("x-goog-api-key: ").append(key).append("\r\nContent-Length: ");
    request.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    const std::array<std::string_view, 1> parts{request};
    co_return co_await conn.write(parts);
  }

  // Adds the events decoded from `body` to the call's batch. Returns an error for garbage.
  std::optional<UpstreamError> decode(Call& call, std::string_view body, bool at_end) {
    std::optional<UpstreamError> failure;
    auto on_event = [&](std::string_view data, bool raw) {
      if (failure || (data.empty() && !raw)) return;  // an empty event carries nothing
      if (call.batch_size == call.batch.size()) call.batch.emplace_back();
      EventData& ev = call.batch[call.batch_size];
      if (events.parse(data, ev) != EventParser::Result::ok) {
        failure = raw ? make_error(ErrorCode::upstream_protocol,
                                   "Gemini sent data that is not a server-sent event; the answer is incomplete.",
                                   "a body line outside any SSE field, " + std::to_string(data.size()) +
                                       " bytes, is neither an event nor an error object")
                      : make_error(ErrorCode::upstream_protocol, "Gemini sent an event that is not valid JSON; the answer is incomplete.",
                                   "an SSE event of " + std::to_string(data.size()) + " bytes is not a JSON object");
        return;
      }
      ++call.batch_size;
    };
    if (call.sse.feed(body, on_event) != SseDecoder::Status::ok)
      return make_error(ErrorCode::upstream_protocol, "Gemini sent an event larger than chatrelay accepts.",
                        "an SSE event or line over the decoder's 8 MiB bound");
    if (at_end) call.sse.finish(on_event);
    return failure;
  }

  // One HTTP exchange. Returns the outcome; throws system_error for I/O failures (mapped by the
  // caller) and on cancellation.
  awaitable<StreamOutcome> exchange(Call& call, Deadline& deadline, const std::string& model,
                                    const std::string& body, EventSink& sink, WaitHook*& waiting) {
    StreamOutcome out;
    call.go_on();  // stopped before it began: not even a place at the connect gate
    call.conn = take_idle();
    call.reused = call.conn != nullptr;
    if (!call.conn) {
      co_await wait_hook(call, waiting);
      co_await connect(call, deadline);
    }

    // From the request to the first event (DESIGN.md §3): the response head must arrive within it
    // too, and bytes do not push it; only events do (below).
    deadline.expires_after(seconds_f(settings.first_byte_timeout_s));
    call.connected = true;  // from here on a timeout is Gemini's silence, not a connect failure
    call.step = FailedStep::request;
    call.go_on();
    auto wec = co_await write_request(*call.conn, model, body);
    if (wec) throw std::system_error(wec, "write request");
    ++metrics::registry().upstream_requests;
    // The request is on its way before the caller's client is answered: on a shared core, the
    // client woken by that answer would otherwise run first and delay the request (~0.5 ms at
    // 100 streams here, measured with bench/streamload.cpp).
    co_await wait_hook(call, waiting);

    std::string error_body;
    for (;;) {
      call.go_on();
      auto [rec, n] = co_await call.conn->read_some(read_buffer);
      bool eof = rec == asio::error::eof || rec == tls::Error::truncated;
      if (rec && !eof) throw std::system_error(rec, "read response");
      std::string_view data(read_buffer.data(), n);
      if (n > 0) call.any_response_byte = true;
      call.bytes_since_event += n;
      bool complete = false;
      while (!data.empty()) {
        auto r = call.parser.feed(data);
        data.remove_prefix(r.consumed);
        if (r.event == http1::MessageParser::Event::error) {
          out.error = make_error(ErrorCode::upstream_protocol, "Gemini's answer is not valid HTTP; it was cut short.",
                                 "invalid HTTP from Gemini: " + std::string(call.parser.error_reason()));
          co_return out;
        }
        if (r.event == http1::MessageParser::Event::message_complete) {
          complete = true;
          break;
        }
      }
      if (eof && !complete) {
        if (!call.parser.started() && !call.any_response_byte)
          throw std::system_error(asio::error::eof, "connection closed before any answer");
        complete = call.parser.finish();
        if (!complete) {
          out.error = make_error(ErrorCode::upstream_unavailable, "Gemini closed the connection in the middle of the answer.",
                                 "connection closed before the answer was complete (" +
                                     std::string(call.parser.headers_complete() ? "in the body" : "in the head") + ")");
          co_return out;
        }
      }
      auto& msg = call.parser.message();
      if (call.parser.headers_complete() && !msg.headers.empty()) {
        msg.headers = {};  // nothing reads them (status and framing are parsed): not held for the stream
      }
      if (call.parser.headers_complete() && msg.status != 200) {
        if (error_body.size() < max_error_body) error_body.append(msg.body, 0, max_error_body - error_body.size());
        msg.body.clear();
        if (complete) {
          out.error = error_from_response(msg.status, error_body);
          if (msg.keep_alive && call.parser.finish()) give_back(std::move(call.conn));
          co_return out;
        }
        continue;
      }
      if (!msg.body.empty() || complete) {
        call.batch_size = 0;
        auto failure = decode(call, msg.body, complete);
        msg.body.clear();
        if (call.batch_size > 0) {
          deadline.disarm();  // the consumer's write has its own timeout
          out.any_event = call.any_event = true;
          // Hand on what came before an error object, then stop at the error.
          std::size_t upto = call.batch_size;
          for (std::size_t i = 0; i < call.batch_size; ++i)
            if (call.batch[i].error) {
              upto = i;
              out.error = *call.batch[i].error;
              break;
            }
          if (upto > 0) {
            call.in_sink = true;  // a failure in here is the consumer's (its client left), not Gemini's
            co_await sink(std::span<const EventData>(call.batch.data(), upto));
            call.in_sink = false;
          }
          if (out.error) co_return out;
          // idle_timeout_s until the next event: comments, blank lines and stray bytes do not
          // push it (DESIGN.md §3).
          deadline.expires_after(seconds_f(settings.idle_timeout_s));
          call.bytes_since_event = 0;
          call.step = FailedStep::answer;
        }
        if (failure) {
          out.error = std::move(failure);
          co_return out;
        }
      }
      if (complete) {
        if (msg.keep_alive && !eof) give_back(std::move(call.conn));
        co_return out;
      }
      if (eof) co_return out;
    }
  }

  // Runs the caller's hook the first time the call is about to wait (then forgets it).
  static awaitable<void> wait_hook(Call& call, WaitHook*& waiting) {
    if (!waiting) co_return;
    WaitHook& hook = *std::exchange(waiting, nullptr);
    call.in_sink = true;  // a failure in here is the consumer's (its client left), not Gemini's
    co_await hook();
    call.in_sink = false;
    call.go_on();
  }

  // One attempt under its deadline; maps I/O failures and timeouts to typed errors.
  awaitable<StreamOutcome> attempt(const std::string& model, const std::string& body, EventSink& sink,
                                   StopSignal* stop, WaitHook*& waiting) {
    for (int stale_retries = 0;; ++stale_retries) {
      Call call(io);
      const auto cancel = [&call] {  // whatever step the call is in, and every later one
        call.cancelled = true;
        if (call.conn) call.conn->cancel();
        call.resolver.cancel();
        if (call.turn) call.turn->cancel();
      };
      bool timed_out = false;
      bool stopped = false;
      Deadline deadline(io.get_executor(), [&] {
        timed_out = true;
        cancel();
      });
      StopHook hook(stop, [&] {
        stopped = true;
        cancel();
      });
      std::optional<std::system_error> failure;
      StreamOutcome out;
      try {
        out = co_await exchange(call, deadline, model, body, sink, waiting);
      } catch (const std::system_error& e) {
        if (call.in_sink) throw;  // the consumer's write failed: not an upstream error
        failure = e;
      }
      out.any_event = call.any_event;
      if (failure && !timed_out && !stopped && failure->code() == asio::error::operation_aborted) {
        // Our consumer leaving cancels this coroutine, and only that is rethrown: asio reports
        // other failures as aborted operations too (a socket it could not open, say), and those
        // are Gemini being out of reach, which the user must be told.
        const auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none) throw *failure;
      }
      // A stop or timeout counts only when it ended the call: one that lands in the round the
      // answer completed leaves a complete answer.
      if (stopped && failure) {
        out.error.reset();
        out.stopped = true;
        co_return out;
      }
      if (!failure) co_return out;
      if (timed_out) {
        out.error = timeout_error(call);
        co_return out;
      }
      // A pooled connection the server had already closed: try once more on a fresh one.
      if (call.reused && !call.any_response_byte && stale_retries == 0) continue;
      // asio reports errno values in a category of its own; errors.hpp reads the standard one.
      std::error_code ec = failure->code();
      if (ec.category() == asio::error::get_system_category()) ec = std::error_code(ec.value(), std::system_category());
      out.error = error_from_failure(call.any_event ? FailedStep::answer : call.step, ec, failure->what(),
                                     call.certificate_rejected);
      co_return out;
    }
  }

  UpstreamError timeout_error(const Call& call) const {
    if (!call.connected)
      return make_error(ErrorCode::upstream_unavailable, "Could not connect to Gemini in time. Try again in a moment.",
                        "no TLS connection within connect_timeout_s=" + seconds_text(settings.connect_timeout_s));
    const std::string bytes = std::to_string(call.bytes_since_event) + " bytes";
    if (!call.any_event)
      return make_error(ErrorCode::upstream_timeout, "Gemini did not start answering in time. Try again in a moment.",
                        "no event within first_byte_timeout_s=" + seconds_text(settings.first_byte_timeout_s) +
                            " of the request (" + bytes + " received, response head " +
                            (call.parser.headers_complete() ? "complete)" : "incomplete)"));
    return make_error(ErrorCode::upstream_timeout, "Gemini stopped sending in the middle of the answer. Send the message again.",
                      "no event for idle_timeout_s=" + seconds_text(settings.idle_timeout_s) + " (" + bytes +
                          " without an event since the last one)");
  }

  // The operator's line about a call that ended with an error (DESIGN.md §1: the user's chunk
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

Client::Client(asio::io_context& io, const config::GeminiSettings& settings)
    : impl_(std::make_unique<Impl>(io, settings)) {}

Client::~Client() = default;

awaitable<StreamOutcome> Client::stream(const std::string& model, const std::string& body, EventSink sink,
                                        std::string_view request_id, StopSignal* stop, WaitHook waiting) {
  auto& impl = *impl_;
  WaitHook* pending_hook = waiting ? &waiting : nullptr;
  for (int attempt = 0;; ++attempt) {
    if (stop && stop->requested()) {
      StreamOutcome out;
      out.attempts = attempt;
      out.stopped = true;
      co_return out;
    }
    StreamOutcome out = co_await impl.attempt(model, body, sink, stop, pending_hook);
    out.attempts = attempt + 1;
    if (out.stopped || !out.error) co_return out;
    auto delay = out.any_event ? std::nullopt : impl.policy.next_delay(*out.error, attempt, random_u64());
    if (!delay) {
      impl.report(out, request_id);
      co_return out;
    }
    if (stop && stop->requested()) continue;  // stopped in the sink or as the attempt ended
    ++metrics::registry().upstream_retries;
    redact(out.error->detail, impl.settings.api_key.value_or(""));
    log::info("retrying Gemini call", {log::kv("request_id", request_id), log::kv("code", wire_name(out.error->code)),
                                       log::kv("attempt", attempt + 1),
                                       log::kv("delay_ms", static_cast<std::int64_t>(delay->count())),
                                       log::kv("detail", out.error->detail)});
    asio::steady_timer wait(impl.io, *delay);
    StopHook hook(stop, [&wait] { wait.cancel(); });
    auto [ec] = co_await wait.async_wait(use_tuple);
    if (ec && !(stop && stop->requested())) throw std::system_error(ec, "retry wait");
  }
}

void Client::close_idle() { impl_->idle.clear(); }


}  // namespace chatrelay::gemini
