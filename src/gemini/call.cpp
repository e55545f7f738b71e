// Call: connect (or reuse), write, then read and decode until the answer ends. Every wait is
// bounded by the one Deadline, which only events push on (DESIGN.md §3).
#include "call.hpp"

#include <charconv>

#include "chatrelay/core/metrics.hpp"
#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/tls/crypto.hpp"

namespace chatrelay::gemini {
namespace {

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

}  // namespace

Call::Call(Pool& pool, const config::GeminiSettings& settings, EventParser& events, std::span<char> read_buffer)
    : pool_(pool),
      settings_(settings),
      read_buffer_(read_buffer),
      decoder_(events),
      deadline_(pool.executor(), [this] {
        timed_out_ = true;
        cancel();
      }) {}

void Call::cancel() {
  cancelled_ = true;
  if (dial_) dial_->cancel();
  if (conn_) conn_->cancel();
}

void Call::stop() {
  stopped_ = true;
  cancel();
}

void Call::throw_if_cancelled() const {
  if (cancelled_) throw std::system_error(asio::error::operation_aborted, "Gemini call cancelled");
}

awaitable<StreamOutcome> Call::run(const std::string& model, const std::string& body, Client::EventSink& sink,
                                   Client::WaitHook*& waiting) {
  std::optional<std::system_error> failure;
  StreamOutcome out;
  try {
    out = co_await exchange(model, body, sink, waiting);
  } catch (const std::system_error& e) {
    if (in_consumer_) throw;  // the consumer's write failed: not an upstream error
    failure = e;
  }
  out.any_event = any_event_;
  if (failure && !timed_out_ && !stopped_ && failure->code() == asio::error::operation_aborted) {
    // Our consumer leaving cancels this coroutine, and only that is rethrown: asio reports other
    // failures as aborted operations too (a socket it could not open, say), and those are Gemini
    // being out of reach, which the user must be told.
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) throw *failure;
  }
  if (!failure) co_return out;  // a stop or timeout that landed as the answer completed changes nothing
  if (stopped_) {
    out.error.reset();
    out.stopped = true;
    co_return out;
  }
  if (timed_out_) {
    out.error = timeout_error();
    co_return out;
  }
  failed_on_io_ = true;
  // asio reports errno values in a category of its own; errors.hpp reads the standard one.
  std::error_code ec = failure->code();
  if (ec.category() == asio::error::get_system_category()) ec = std::error_code(ec.value(), std::system_category());
  out.error = error_from_failure(any_event_ ? FailedStep::answer : step_, ec, failure->what(),
                                 dial_ && dial_->certificate_rejected());
  co_return out;
}

awaitable<StreamOutcome> Call::exchange(const std::string& model, const std::string& body, Client::EventSink& sink,
                                        Client::WaitHook*& waiting) {
  throw_if_cancelled();  // stopped before it began: not even a place at the handshake gate
  conn_ = pool_.take_idle();
  reused_ = conn_ != nullptr;
  if (!conn_) {
    co_await wait_hook(waiting);
    deadline_.expires_after(seconds_f(settings_.connect_timeout_s));
    dial_.emplace(pool_);
    conn_ = co_await dial_->run();
  }
  // From the request to the first event: the response head must arrive within it too, and bytes
  // do not push it; only events do (below).
  deadline_.expires_after(seconds_f(settings_.first_byte_timeout_s));
  connected_ = true;  // from here on a timeout is Gemini's silence, not a connect failure
  step_ = FailedStep::request;
  throw_if_cancelled();
  co_await write_request(model, body);
  ++metrics::registry().upstream_requests;
  // The request is on its way before the caller's client is answered: on a shared core, the
  // client woken by that answer would otherwise run first and delay the request.
  co_await wait_hook(waiting);

  StreamOutcome out;
  for (;;) {
    throw_if_cancelled();
    auto [rec, n] = co_await conn_->read_some(read_buffer_);
    const bool eof = rec == asio::error::eof || rec == tls::Error::truncated;
    if (rec && !eof) throw std::system_error(rec, "read response");
    if (eof && n == 0 && !decoder_.started()) throw std::system_error(asio::error::eof, "connection closed before any answer");
    bytes_since_event_ += n;
    Decoded decoded = decoder_.feed(std::string_view(read_buffer_.data(), n), eof);
    if (!decoded.events.empty()) {
      deadline_.disarm();  // the consumer's write has its own timeout
      any_event_ = true;
      in_consumer_ = true;
      co_await sink(decoded.events);
      in_consumer_ = false;
      // idle_timeout_s until the next event: comments, blank lines and stray bytes do not push it.
      deadline_.expires_after(seconds_f(settings_.idle_timeout_s));
      bytes_since_event_ = 0;
      step_ = FailedStep::answer;
    }
    if (decoded.done) {
      out.error = std::move(decoded.error);
      if (decoder_.reusable()) pool_.put_back(std::move(conn_));
      co_return out;
    }
    if (eof) co_return out;
  }
}

// Head and body as one buffer: one TLS record and one write syscall for a typical request. The
// buffer is the call's own (write() may suspend while another call builds its request), sized
// once so that it never moves, wiped and freed on the way out: the key does not linger in memory,
// and the body copy is not held for the length of the stream.
awaitable<void> Call::write_request(const std::string& model, const std::string& body) {
  const std::string_view key = settings_.api_key ? std::string_view(*settings_.api_key) : std::string_view();
  const Endpoint& endpoint = pool_.endpoint();
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
  if (auto ec = co_await conn_->write(parts)) throw std::system_error(ec, "write request");
}

awaitable<void> Call::wait_hook(Client::WaitHook*& waiting) {
  if (!waiting) co_return;
  Client::WaitHook& hook = *std::exchange(waiting, nullptr);
  in_consumer_ = true;
  co_await hook();
  in_consumer_ = false;
  throw_if_cancelled();
}

UpstreamError Call::timeout_error() const {
  if (!connected_)
    return make_error(ErrorCode::upstream_unavailable, "Could not connect to Gemini in time. Try again in a moment.",
                      "no TLS connection within connect_timeout_s=" + seconds_text(settings_.connect_timeout_s));
  const std::string bytes = std::to_string(bytes_since_event_) + " bytes";
  if (!any_event_)
    return make_error(ErrorCode::upstream_timeout, "Gemini did not start answering in time. Try again in a moment.",
                      "no event within first_byte_timeout_s=" + seconds_text(settings_.first_byte_timeout_s) +
                          " of the request (" + bytes + " received, response head " +
                          (decoder_.head_complete() ? "complete)" : "incomplete)"));
  return make_error(ErrorCode::upstream_timeout, "Gemini stopped sending in the middle of the answer. Send the message again.",
                    "no event for idle_timeout_s=" + seconds_text(settings_.idle_timeout_s) + " (" + bytes +
                        " without an event since the last one)");
}

}  // namespace chatrelay::gemini
