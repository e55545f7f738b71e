// H2Connection: a read loop feeding the session, a write loop sending what it has to say, and a
// coroutine per stream playing its plan. A stream the client resets stops at once; the others
// carry on.
#include "h2_connection.hpp"

#include <cassert>

#include "connection.hpp"
#include "dispatch.hpp"
#include "wire.hpp"

namespace chatrelay::fake {
namespace {

// Body bytes queued on a stream (its window closed: a slow reader) before its plan waits.
constexpr std::size_t max_queued = 64 * 1024;

// The request of an h2 stream as the dispatcher reads requests.
http1::Message as_message(const std::vector<http2::Header>& headers, std::string body) {
  http1::Message m;
  for (const auto& h : headers) {
    if (h.name == ":method")
      m.method = h.value;
    else if (h.name == ":path")
      m.target = h.value;
    else if (h.name == ":authority")
      m.headers.push_back({"host", h.value});
    else if (!h.name.starts_with(":"))
      m.headers.push_back({h.name, h.value});
  }
  m.body = std::move(body);
  return m;
}

}  // namespace

H2Connection::H2Connection(Services& services, tls::ServerStream& stream)
    : services_(services),
      stream_(stream),
      session_(http2::Session::Role::server,
               {.max_concurrent_streams = services.options.max_streams}),
      write_wake_(stream.socket().get_executor()),
      plays_done_(stream.socket().get_executor()) {
  ++services_.state.stats.h2_connections;
}

awaitable<bool> H2Connection::run() {
  flush();  // our SETTINGS
  co_await (read_loop() || write_loop());
  done_ = true;
  for (auto& [id, s] : streams_) {
    s->closed = true;
    s->wake.cancel();
  }
  while (plays_ > 0) {
    plays_done_.expires_at(steady_timer::time_point::max());
    co_await plays_done_.async_wait(use_tuple);
  }
  co_return reset_;
}

awaitable<void> H2Connection::read_loop() {
  std::array<char, 16 * 1024> buf;
  while (!done_) {
    auto [ec, n] = co_await stream_.read_some(buf);
    if (ec || done_) co_return;
    const auto fed = session_.feed(std::string_view(buf.data(), n));
    for (const auto& e : fed.events) on_event(e);
    flush();
    if (!fed.ok) end_connection(false);  // after the GOAWAY nghttp2 queued
  }
}

awaitable<void> H2Connection::write_loop() {
  for (;;) {
    writing_ = session_.output();
    if (!writing_.empty()) {
      if (auto ec = co_await stream_.write(writing_)) co_return;
      // Queued bodies moved on: plans waiting for their stream to drain look again.
      for (auto& [id, s] : streams_)
        if (s->waiting_drain && session_.queued(id) < max_queued) s->wake.cancel();
      continue;
    }
    if (close_after_write_) {
      close_socket();
      co_return;
    }
    if (done_ || !session_.alive()) co_return;
    write_wake_.expires_at(steady_timer::time_point::max());
    co_await write_wake_.async_wait(use_tuple);
  }
}

void H2Connection::flush() { write_wake_.cancel(); }

void H2Connection::on_event(const http2::Event& e) {
  using Kind = http2::Event::Kind;
  switch (e.kind) {
    case Kind::headers: {
      auto& s = streams_[e.stream];
      if (!s) {
        s = std::make_shared<Stream>(stream_.socket().get_executor());
        s->id = e.stream;
      }
      s->headers.insert(s->headers.end(), e.headers.begin(), e.headers.end());
      break;
    }
    case Kind::data:
      if (auto it = streams_.find(e.stream); it != streams_.end()) it->second->body.append(e.data);
      break;
    case Kind::end_stream:
      start(e.stream);
      break;
    case Kind::closed:
      if (auto it = streams_.find(e.stream); it != streams_.end()) {
        if (e.code != 0) ++services_.state.stats.stream_resets;
        it->second->closed = true;
        it->second->wake.cancel();
        streams_.erase(it);
      }
      break;
    case Kind::goaway:
    case Kind::settings:
      break;
  }
}

void H2Connection::start(std::int32_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (goaway_last_ >= 0 && id > goaway_last_) return;  // refused by our GOAWAY: the client sends it again
  ++started_;
  const auto goaway_after = services_.options.goaway_after;
  if (goaway_after > 0 && started_ == goaway_after) {
    goaway_last_ = id;
    session_.goaway(id, http2::Code::no_error);
  }
  auto s = it->second;
  Answer answer = dispatch(services_.state, services_.scenarios, as_message(s->headers, std::move(s->body)));
  ++plays_;
  asio::co_spawn(stream_.socket().get_executor(), play(std::move(s), answer.plan), asio::detached);
}

awaitable<void> H2Connection::play(std::shared_ptr<Stream> s, std::shared_ptr<const Plan> plan_ptr) {
  const Plan& plan = *plan_ptr;
  GaugeGuard streaming(services_.state.stats.open_streams);
  try {
    if (!plan.head.empty()) {
      std::string head = plan.head;
      if (plan.date_at != std::string::npos) head.replace(plan.date_at, wire::date_placeholder.size(), wire::http_date());
      if (plan.head_byte_delay > std::chrono::milliseconds(0)) {
        for (char c : head) {
          co_await pause(*s, plan.head_byte_delay);
          co_await emit(*s, std::string_view(&c, 1));
        }
      } else {
        co_await emit(*s, head);
      }
      if (plan.delay == std::chrono::milliseconds(0) && !plan.endless)
        co_await emit(*s, plan.body);
      else
        co_await play_events(*s, plan);
    }
    if (plan.end == Plan::End::hang || plan.head.empty()) co_await pause(*s, steady_timer::duration::max());
    if (!s->closed && (plan.end == Plan::End::close || plan.end == Plan::End::reset) && !s->answer.finish())
      end_connection(plan.end == Plan::End::reset);  // cut short: as HTTP/1.1 does, the connection goes
    else if (!s->closed && !s->answer.head_sent())
      session_.reset(s->id, http2::Code::internal_error);
    flush();
  } catch (const std::exception&) {
    // The stream closed (the client reset it, or the connection ended).
  }
  if (goaway_last_ >= 0 && plays_ == 1 && !done_) end_connection(false);  // drained after GOAWAY
  if (--plays_ == 0) plays_done_.cancel();
}

awaitable<void> H2Connection::play_events(Stream& s, const Plan& plan) {
  assert(!plan.endless || plan.loop_from < plan.event_ends.size());
  for (std::size_t from = 0;; from = plan.loop_from) {
    for (std::size_t i = from; i < plan.event_ends.size(); ++i) {
      co_await pause(s, plan.delay);
      co_await emit(s, plan.event(i));
    }
    if (!plan.endless) break;
  }
  if (!plan.tail().empty()) co_await emit(s, plan.tail());
}

awaitable<void> H2Connection::emit(Stream& s, std::string_view bytes) {
  if (s.closed) throw std::system_error(asio::error::operation_aborted, "stream closed");
  auto out = s.answer.feed(bytes);
  if (out.head) session_.respond(s.id, *out.head, false);
  if (!out.body.empty() || out.complete) session_.send_data(s.id, out.body, out.complete);
  if (out.broken) {
    // Framing HTTP/1.1 finds broken (a bad chunk line) is a broken stream in HTTP/2.
    session_.reset(s.id, http2::Code::protocol_error);
    s.closed = true;
  }
  flush();
  while (!s.closed && session_.queued(s.id) >= max_queued) {
    s.waiting_drain = true;
    co_await pause(s, steady_timer::duration::max());
    s.waiting_drain = false;
  }
  if (s.closed) throw std::system_error(asio::error::operation_aborted, "stream closed");
}

awaitable<void> H2Connection::pause(Stream& s, steady_timer::duration d) {
  if (s.closed) throw std::system_error(asio::error::operation_aborted, "stream closed");
  if (d == steady_timer::duration::zero()) co_return;
  if (d == steady_timer::duration::max())
    s.wake.expires_at(steady_timer::time_point::max());
  else
    s.wake.expires_after(d);
  co_await s.wake.async_wait(use_tuple);
  if (s.closed) throw std::system_error(asio::error::operation_aborted, "stream closed");
}

void H2Connection::end_connection(bool reset) {
  reset_ = reset_ || reset;
  close_after_write_ = true;  // what the plans sent goes out first (write_loop closes)
  flush();
}

void H2Connection::close_socket() {
  done_ = true;
  auto& socket = stream_.socket();
  asio::error_code ignored;
  if (reset_) socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);  // the read loop ends with it
}

}  // namespace chatrelay::fake
