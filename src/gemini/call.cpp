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

// How long a stream waits for its next bytes before it gives back the room of its buffers.
constexpr std::chrono::milliseconds quiet_after(100);

StreamOutcome ended_by(std::optional<UpstreamError> error) {
  StreamOutcome out;
  out.error = std::move(error);
  return out;
}

}  // namespace

Call::Call(Pool& pool, const config::GeminiSettings& settings, EventParser& events, std::span<char> read_buffer)
    : pool_(pool),
      settings_(settings),
      read_buffer_(read_buffer),
      events_(events),
      deadline_(pool.executor(), [this] {
        timed_out_ = true;
        cancel();
      }) {}

Call::~Call() {
  if (stream_) h2_->release(*stream_);
}

void Call::cancel() {
  cancelled_ = true;
  if (dial_) dial_->cancel();
  if (conn_) conn_->cancel();
  if (dial_wait_) dial_wait_->cancel();
  if (stream_) stream_->wake.cancel();
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
    throw_if_cancelled();  // stopped before it began: not even a place at the handshake gate
    if (pool_.h2_wanted()) h2_ = co_await h2_connection(waiting);
    // Awaited from here, not from within exchange(): a held stream does not keep the frame of
    // the path it does not take.
    // (An if, not ?: with a co_await in each arm, which GCC evaluates wrongly.)
    if (h2_)
      out = co_await exchange_h2(model, body, sink, waiting);
    else
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
  if (!conn_) conn_ = pool_.take_idle();
  reused_ = conn_ != nullptr && !dial_;
  if (!conn_) {
    co_await wait_hook(waiting);
    deadline_.expires_after(seconds_f(settings_.connect_timeout_s));
    dial_ = std::make_unique<Pool::Dial>(pool_);
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

  decoder_ = std::make_unique<ResponseDecoder>(events_);
  StreamOutcome out;
  for (;;) {
    throw_if_cancelled();
    auto [rec, n] = co_await conn_->read_some(read_buffer_);
    const bool eof = rec == asio::error::eof || rec == tls::Error::truncated;
    if (rec && !eof) throw std::system_error(rec, "read response");
    if (eof && n == 0 && !decoder_->started())
      throw std::system_error(asio::error::eof, "connection closed before any answer");
    bytes_since_event_ += n;
    Decoded decoded = decoder_->feed(std::string_view(read_buffer_.data(), n), eof);
    co_await hand_on(decoded, sink);
    if (decoded.done) {
      out.error = std::move(decoded.error);
      if (decoder_->reusable()) pool_.put_back(std::move(conn_));
      co_return out;
    }
    if (eof) co_return out;
  }
}

awaitable<void> Call::hand_on(const Decoded& decoded, Client::EventSink& sink) {
  if (decoded.events.empty()) co_return;
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

bool Call::broken_framing(const H2Connection::Stream& s) {
  const auto protocol = static_cast<std::uint32_t>(http2::Code::protocol_error);
  return (s.closed && !s.ended && s.code == protocol) || s.failure == std::make_error_code(std::errc::protocol_error);
}

awaitable<std::shared_ptr<H2Connection>> Call::h2_connection(Client::WaitHook*& waiting) {
  if (auto c = pool_.take_h2()) {
    reused_ = true;
    co_return c;
  }
  co_await wait_hook(waiting);
  deadline_.expires_after(seconds_f(settings_.connect_timeout_s));
  // A burst: the connections being dialled will have room for this stream. The timer lives in this
  // frame, which ends with the wait, not in the call held for the whole answer.
  steady_timer wait(pool_.executor());
  dial_wait_ = &wait;
  struct Forget {
    steady_timer*& at;
    ~Forget() { at = nullptr; }
  } forget{dial_wait_};
  while (pool_.h2_room_coming()) {
    co_await pool_.wait_for_dial(wait);
    throw_if_cancelled();
    if (auto c = pool_.take_h2()) {
      reused_ = true;
      co_return c;
    }
  }
  if (!pool_.h2_wanted()) co_return nullptr;
  Pool::DialInFlight in_flight(pool_);
  dial_ = std::make_unique<Pool::Dial>(pool_);
  auto tls = co_await dial_->run();
  if (tls->alpn_protocol() != "h2") {
    pool_.note_h1();
    conn_ = std::move(tls);
    co_return nullptr;
  }
  auto c = std::make_shared<H2Connection>(std::move(tls), pool_.h2_shared(), read_buffer_);
  in_flight.hand_over(c);
  co_return c;
}

// The headers live only as long as it takes to open the stream, not in the frame of the exchange
// for the length of the answer.
std::shared_ptr<H2Connection::Stream> Call::open_stream(const std::string& model, const std::string& body) {
  const Endpoint& endpoint = pool_.endpoint();
  std::vector<http2::Header> headers{{":method", "POST"},
                                     {":scheme", "https"},
                                     {":authority", endpoint.host_header},
                                     {":path", endpoint.stream_target(model)},
                                     {"content-type", "application/json"},
                                     {"accept", "text/event-stream"},
                                     {"user-agent", "chatrelay"},
                                     {"x-goog-api-key", settings_.api_key.value_or("")}};
  auto stream = h2_->open(headers, body);
  tls::cleanse(headers.back().value.data(), headers.back().value.size());
  return stream;
}

awaitable<StreamOutcome> Call::exchange_h2(const std::string& model, const std::string& body,
                                           Client::EventSink& sink, Client::WaitHook*& waiting) {
  deadline_.expires_after(seconds_f(settings_.first_byte_timeout_s));
  connected_ = true;
  step_ = FailedStep::request;
  throw_if_cancelled();
  stream_ = open_stream(model, body);
  if (!stream_) {
    // GOAWAY landed between choosing the connection and opening the stream.
    refused_ = true;
    throw std::system_error(asio::error::try_again, "HTTP/2 connection draining");
  }
  ++metrics::registry().upstream_requests;
  co_await wait_hook(waiting);

  h2_body_.emplace(events_);
  // (No outcome is kept in this frame while the stream waits: one is made as it ends.)
  for (;;) {
    co_await wait_stream();
    auto& s = *stream_;
    if (broken_framing(s)) {
      // As invalid HTTP/1.1 framing is (response_decoder.cpp): the answer is cut short.
      co_return ended_by(make_error(ErrorCode::upstream_protocol,
                                    "Gemini's answer is not valid HTTP; it was cut short.",
                                    "invalid HTTP/2 from Gemini: " + std::string(s.failure ? "connection" : "stream") +
                                        " ended with PROTOCOL_ERROR"));
    }
    if (s.status != 0 && h2_body_->status() == 0) h2_body_->set_status(s.status);
    if (h2_body_->status() == 0 && (s.ended || s.closed))
      throw std::system_error(asio::error::connection_reset, "HTTP/2 stream ended without a response head");
    const std::size_t n = s.data.size();
    bytes_since_event_ += n;
    const bool at_end = s.ended;
    Decoded decoded = h2_body_->feed(s.data, at_end);
    // The decoder copied what it keeps: the stream's one buffer takes the next bytes (keeping its
    // capacity, so a steady stream allocates nothing) while these events are handed on.
    s.data.clear();
    co_await hand_on(decoded, sink);
    // Its window opens only now that its bytes were handed on: backpressure reaches Gemini per
    // stream.
    h2_->consumed(s, n);
    if (decoded.done) co_return ended_by(std::move(decoded.error));
    if (at_end) co_return StreamOutcome{};
  }
}

awaitable<void> Call::wait_stream() {
  auto& s = *stream_;
  bool released = false;
  for (;;) {
    throw_if_cancelled();
    if (broken_framing(s)) co_return;
    if (s.failure) throw std::system_error(*s.failure, "HTTP/2 connection");
    if (s.refused()) {
      refused_ = true;
      ++metrics::registry().upstream_h2_refused;
      throw std::system_error(asio::error::try_again, "HTTP/2 stream refused by Gemini");
    }
    if (!s.data.empty() || s.ended || (s.status != 0 && h2_body_->status() == 0)) co_return;
    if (s.closed)
      throw std::system_error(asio::error::connection_reset,
                              "HTTP/2 stream reset by Gemini (error code " + std::to_string(s.code) + ")");
    // A stream quiet for a moment may stay so for long (a slow answer, thousands held at once):
    // it waits on without the room its last bytes needed. One whose bytes keep coming keeps it,
    // and allocates nothing per read.
    if (released) {
      s.wake.expires_at(steady_timer::time_point::max());
    } else {
      s.wake.expires_after(quiet_after);
    }
    const auto [ec] = co_await s.wake.async_wait(use_tuple);
    if (!ec && !released && s.data.empty()) {  // (its bytes may have come as it expired)
      std::string().swap(s.data);
      h2_body_->release_buffers();
      released = true;
    }
  }
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
                          ((decoder_ && decoder_->head_complete()) || (h2_body_ && h2_body_->status() != 0)
                               ? "complete)"
                               : "incomplete)"));
  return make_error(ErrorCode::upstream_timeout, "Gemini stopped sending in the middle of the answer. Send the message again.",
                    "no event for idle_timeout_s=" + seconds_text(settings_.idle_timeout_s) + " (" + bytes +
                        " without an event since the last one)");
}

}  // namespace chatrelay::gemini
