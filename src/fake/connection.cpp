// Connection: the per-client coroutine. Streams are raced against a read of the socket, so a
// client that goes away ends its stream at once (even one that never answers).
#include "connection.hpp"

#include <cassert>

#include "chatrelay/http1/response.hpp"
#include "dispatch.hpp"
#include "h2_connection.hpp"
#include "wire.hpp"

namespace chatrelay::fake {
namespace {

using namespace std::chrono_literals;

constexpr auto handshake_timeout = 10s;
constexpr std::size_t coalesce_limit = 16 * 1024;  // bodies up to this go out with the head

}  // namespace

Connection::Connection(Services& services, tcp::socket socket)
    : services_(services),
      open_(services.state.stats.open_connections),
      stream_(std::move(socket), services.tls),
      parser_(http1::MessageParser::Mode::request, {64 * 1024, 64 * 1024 * 1024}) {
  ++services_.state.stats.connections;
}

awaitable<void> Connection::run() {
  bool reset = false;
  try {
    if (!co_await handshake()) {
      close(false);
      co_return;
    }
    if (stream_.alpn_protocol() == "h2") {
      H2Connection h2(services_, stream_);
      close(co_await h2.run());
      co_return;
    }
    while (co_await read_request()) {
      Answer answer = dispatch(services_.state, services_.scenarios, parser_.message());
      const Plan& plan = *answer.plan;
      if (answer.stream) {
        GaugeGuard streaming(services_.state.stats.open_streams);
        co_await (play(plan) || watch_client());
        if (client_gone_) break;
      } else {
        co_await play(plan);
      }
      reset = plan.end == Plan::End::reset;
      if (plan.end != Plan::End::keep_alive || !parser_.message().keep_alive) break;
      parser_.next();
    }
  } catch (const std::exception&) {
    // A failed write: the client is gone; nothing else is at stake.
  }
  close(reset);
}

awaitable<bool> Connection::handshake() {
  steady_timer timer(stream_.socket().get_executor(), handshake_timeout);
  auto result = co_await (stream_.handshake() || timer.async_wait(use_tuple));
  if (result.index() != 0 || std::get<0>(result)) co_return false;
  if (stream_.session_reused())
    ++services_.state.stats.resumed;
  else
    ++services_.state.stats.handshakes;
  co_return true;
}

awaitable<bool> Connection::read_request() {
  bool continue_sent = false;
  for (;;) {
    if (begin_ < end_) {
      auto r = parser_.feed({buf_.data() + begin_, end_ - begin_});
      begin_ += r.consumed;
      if (begin_ == end_) begin_ = end_ = 0;
      if (r.event == http1::MessageParser::Event::message_complete) co_return true;
      if (r.event == http1::MessageParser::Event::error) {
        std::string out;
        http1::serialize(http1::json_error(parser_.error_status(), parser_.error_reason()), false, false, out);
        co_await write(out);
        co_return false;
      }
    }
    if (!continue_sent && parser_.headers_complete() &&
        http1::iequals(parser_.message().header("expect"), "100-continue")) {
      continue_sent = true;  // curl waits a second for this before sending a larger body
      co_await write("HTTP/1.1 100 Continue\r\n\r\n");
    }
    auto [ec, n] = co_await stream_.read_some(std::span<char>(buf_.data() + end_, buf_.size() - end_));
    if (ec) co_return false;
    end_ += n;
  }
}

awaitable<void> Connection::play(const Plan& plan) {
  if (!plan.head.empty()) {
    head_ = plan.head;
    if (plan.date_at != std::string::npos) head_.replace(plan.date_at, wire::date_placeholder.size(), wire::http_date());
    const bool unpaced = plan.delay == 0ms && !plan.endless;
    if (plan.head_byte_delay > 0ms) {
      for (std::size_t i = 0; i < head_.size(); ++i) {
        co_await sleep(plan.head_byte_delay);
        co_await write(std::string_view(head_).substr(i, 1));
      }
      if (unpaced)
        co_await write(plan.body);
      else
        co_await play_events(plan);
    } else if (unpaced) {
      // Unpaced: the whole answer in as few writes as possible (the benchmark path).
      if (plan.body.size() <= coalesce_limit) {
        head_ += plan.body;
        co_await write(head_);
      } else {
        co_await write(head_);
        co_await write(plan.body);
      }
    } else {
      co_await write(head_);
      co_await play_events(plan);
    }
  }
  if (plan.end == Plan::End::hang) co_await sleep(steady_timer::duration::max());
}

awaitable<void> Connection::play_events(const Plan& plan) {
  assert(!plan.endless || plan.loop_from < plan.event_ends.size());  // else endless would never wait
  for (std::size_t from = 0;; from = plan.loop_from) {
    for (std::size_t i = from; i < plan.event_ends.size(); ++i) {
      co_await sleep(plan.delay);
      co_await write(plan.event(i));
    }
    if (!plan.endless) break;
  }
  if (!plan.tail().empty()) co_await write(plan.tail());
}

awaitable<void> Connection::watch_client() {
  client_gone_ = false;
  for (;;) {
    if (end_ == buf_.size()) {
      // Buffer full of pipelined requests: stop reading until this answer is done.
      co_await sleep(steady_timer::duration::max());
      co_return;
    }
    auto [ec, n] = co_await stream_.read_some(std::span<char>(buf_.data() + end_, buf_.size() - end_));
    if (ec) {
      client_gone_ = ec != asio::error::operation_aborted;
      co_return;
    }
    end_ += n;
  }
}

awaitable<void> Connection::write(std::string_view bytes) {
  auto ec = co_await stream_.write(bytes);
  if (ec) throw std::system_error(ec, "write");
}

awaitable<void> Connection::sleep(std::chrono::steady_clock::duration d) {
  steady_timer timer(stream_.socket().get_executor());
  if (d == steady_timer::duration::max())
    timer.expires_at(steady_timer::time_point::max());
  else
    timer.expires_after(d);
  co_await timer.async_wait(use_tuple);
}

void Connection::close(bool reset) {
  // No close_notify: Google's front ends do not wait for one either, and a reset must be abrupt.
  auto& socket = stream_.socket();
  asio::error_code ignored;
  if (reset) socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace chatrelay::fake
