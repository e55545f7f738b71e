// H2Connection: the loops around the session, and each event routed to its stream's call.
#include "h2_connection.hpp"

#include <array>
#include <charconv>

#include "chatrelay/core/metrics.hpp"

namespace chatrelay::gemini {
namespace {

// A stream's receive window opens only as its call hands its bytes on (DESIGN.md §3): it bounds
// what a slow reader leaves buffered here. 256 KiB holds a long answer whole (a 200-event answer
// is ~66 KB of SSE), so a stream whose reader keeps up never waits for its WINDOW_UPDATE, which
// on a busy connection queues behind every other stream's bytes.
constexpr std::uint32_t stream_window = 256 * 1024;
// The connection's window is opened as bytes arrive, so it bounds nothing the streams' windows do
// not; at 64 KiB it would make every stream wait for the connection's WINDOW_UPDATE. 16 MiB
// covers the windows of 64 streams in full.
constexpr std::uint32_t connection_window = 16 * 1024 * 1024;
// Bytes the read loop takes in before the calls it woke get their turn.
constexpr std::size_t turn_bytes = 64 * 1024;

}  // namespace

H2Connection::H2Connection(std::unique_ptr<tls::ClientStream> conn, std::shared_ptr<Shared> shared,
                           std::span<char> read_buffer)
    : conn_(std::move(conn)),
      read_buffer_(read_buffer),
      session_(http2::Session::Role::client, {.initial_window_size = stream_window,
                                              .connection_window_size = connection_window,
                                              .manual_stream_windows = true}),
      write_wake_(conn_->socket().get_executor()),
      shared_(std::move(shared)) {
  ++metrics::registry().upstream_h2_connections;
}

H2Connection::~H2Connection() {
  set_idle(false);
  --metrics::registry().upstream_h2_connections;
}

void H2Connection::set_idle(bool idle) {
  if (idle == idle_) return;
  idle_ = idle;
  if (idle)
    ++shared_->idle;
  else
    --shared_->idle;
}

void H2Connection::start(std::function<void()> ready) {
  ready_ = std::move(ready);
  const auto ex = conn_->socket().get_executor();
  asio::co_spawn(ex, read_loop(shared_from_this()), asio::detached);
  asio::co_spawn(ex, write_loop(shared_from_this()), asio::detached);
}

std::size_t H2Connection::room() const {
  if (!usable()) return 0;
  const std::size_t limit = settings_ ? session_.peer_max_concurrent_streams() : 1;
  return limit > streams_.size() ? limit - streams_.size() : 0;
}

std::shared_ptr<H2Connection::Stream> H2Connection::open(std::span<const http2::Header> headers,
                                                         std::string_view body) {
  if (!usable()) return nullptr;
  const std::int32_t id = session_.request(headers, body);
  if (id == 0) {
    draining_ = true;
    return nullptr;
  }
  auto s = std::make_shared<Stream>(conn_->socket().get_executor());
  s->id = id;
  streams_[id] = s;
  set_idle(false);
  ++metrics::registry().upstream_h2_streams;
  flush();
  return s;
}

void H2Connection::consumed(const Stream& s, std::size_t n) {
  if (dead_ || s.closed || n == 0) return;
  session_.consume(s.id, n);
  flush();
}

void H2Connection::release(Stream& s) {
  const bool open = !s.closed && !dead_ && streams_.count(s.id);
  if (open) {
    session_.reset(s.id, http2::Code::cancel);
    flush();
  }
  s.closed = true;
  forget(s.id, !open);
}

void H2Connection::forget(std::int32_t id, bool clean) {
  if (!streams_.erase(id)) return;
  --metrics::registry().upstream_h2_streams;
  if (!streams_.empty() || dead_) return;
  if (draining_ || shared_->closing || !clean || shared_->idle > 0)
    close();
  else
    set_idle(true);
}

void H2Connection::close(bool quietly) {
  if (quietly) ready_ = nullptr;
  set_idle(false);
  if (dead_) return;
  fail(asio::error::operation_aborted);
  conn_->cancel();
  asio::error_code ignored;
  conn_->socket().close(ignored);  // its descriptor goes now, not when the pool next looks
}

void H2Connection::call_ready() {
  if (auto ready = std::exchange(ready_, nullptr)) ready();
}

void H2Connection::fail(std::error_code ec) {
  dead_ = true;
  auto streams = std::move(streams_);
  streams_.clear();
  metrics::registry().upstream_h2_streams -= static_cast<std::int64_t>(streams.size());
  for (auto& [id, s] : streams) {
    s->failure = ec;
    s->wake.cancel();
  }
  flush();
  call_ready();
}

// `keep` holds the connection for as long as the loop runs.
awaitable<void> H2Connection::read_loop([[maybe_unused]] std::shared_ptr<H2Connection> keep) {
  std::size_t since_turn = 0;
  while (!dead_) {
    auto [ec, n] = co_await conn_->read_some(read_buffer_);
    if (dead_) break;
    if (n > 0) handle(session_.feed(std::string_view(read_buffer_.data(), n)));
    if (ec) {
      fail(ec == asio::error::eof ? std::error_code(asio::error::eof) : std::error_code(ec));
      break;
    }
    // A read that finds bytes waiting completes without a turn of the loop (tls::ClientStream):
    // on a busy connection the calls woken would not run until the socket ran dry, each then
    // with its whole window's bytes at once. Every 64 KiB (a few records), they run: each hands
    // on what came for it in one piece instead of one per record (a frame's bytes straddle two).
    since_turn += n;
    if (since_turn >= turn_bytes) {
      since_turn = 0;
      co_await asio::post(conn_->socket().get_executor(), asio::use_awaitable);
    }
  }
  write_wake_.cancel();
}

awaitable<void> H2Connection::write_loop([[maybe_unused]] std::shared_ptr<H2Connection> keep) {
  for (;;) {
    // Valid until the next output(), which wipes it (a request's API key was in it).
    const std::string_view out = session_.output();
    if (!out.empty()) {
      handle(session_.feed({}));  // streams closed by what went out
      const std::array<std::string_view, 1> parts{out};
      const auto ec = co_await conn_->write(parts);
      if (ec) {
        if (!dead_) fail(ec);
        co_return;
      }
      continue;
    }
    if (dead_) co_return;
    write_wake_.expires_at(steady_timer::time_point::max());
    co_await write_wake_.async_wait(use_tuple);
  }
}

void H2Connection::handle(const http2::Session::Fed& fed) {
  using Kind = http2::Event::Kind;
  for (const auto& e : fed.events) {
    if (e.kind == Kind::settings) {
      settings_ = true;
      call_ready();
      continue;
    }
    if (e.kind == Kind::goaway) {
      draining_ = true;  // the streams above its last id arrive as closed, refused
      continue;
    }
    const auto it = streams_.find(e.stream);
    if (it == streams_.end()) continue;
    Stream& s = *it->second;
    switch (e.kind) {
      case Kind::headers:
        for (const auto& h : e.headers) {
          if (h.name == ":status" && s.status == 0)
            std::from_chars(h.value.data(), h.value.data() + h.value.size(), s.status);
        }
        break;
      case Kind::data: s.data.append(e.data); break;
      case Kind::end_stream: s.ended = true; break;
      case Kind::closed:
        s.closed = true;
        s.code = e.code;
        break;
      default: break;
    }
    s.wake.cancel();
    if (e.kind == Kind::closed) forget(e.stream, e.code == 0);
  }
  if (!fed.ok) {
    flush();  // nghttp2's GOAWAY goes out before the close
    fail(make_error_code(std::errc::protocol_error));
    return;
  }
  flush();
  if (draining_ && streams_.empty()) close();
}

}  // namespace chatrelay::gemini
