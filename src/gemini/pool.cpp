// Pool and Pool::Dial: reuse first; a new connection waits its turn at the handshake gate.
#include "pool.hpp"

#include <algorithm>
#include <charconv>

#include "chatrelay/core/metrics.hpp"

namespace chatrelay::gemini {
namespace {

std::string address_text(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace

Pool::Pool(asio::io_context& io, const config::GeminiSettings& settings)
    : io_(io),
      settings_(settings),
      endpoint_(parse_endpoint(settings.base_url)),
      tls_(settings.ca_file, settings.http2 ? std::vector<std::string>{"h2", "http/1.1"} : std::vector<std::string>{}),
      // New upstream connections being made at once (gemini.max_handshakes). A handshake holds
      // ~40 KB while it runs (OpenSSL's handshake buffer, key exchange, the certificate chain)
      // and a burst of a thousand new streams would run them all at once: memory the allocator
      // then keeps. The rest wait their turn, inside their connect_timeout_s; the CPU (one loop)
      // could not do them faster anyway.
      handshakes_(io.get_executor(), settings.max_handshakes) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(endpoint_.host, ec);
  unsigned port = 0;
  const auto* end = endpoint_.port.data() + endpoint_.port.size();
  if (!ec && std::from_chars(endpoint_.port.data(), end, port).ptr == end && port <= 65535)
    literal_.emplace(address, static_cast<unsigned short>(port));
}

Pool::~Pool() {
  for (auto& c : h2_) c->close(true);
}

void Pool::close_idle() {
  idle_.clear();
  h2_shared_->closing = true;
  for (auto& c : h2_)
    if (c->open_streams() == 0) c->close(true);
}

void Pool::note_h1() {
  h1_only_ = true;
  wake_dial_waiters();
}

std::shared_ptr<H2Connection> Pool::take_h2() {
  std::erase_if(h2_, [](const auto& c) { return !c->usable(); });
  std::shared_ptr<H2Connection> best;
  for (const auto& c : h2_) {
    if (c->room() > 0 && (!best || c->open_streams() > best->open_streams())) best = c;
  }
  return best;
}

bool Pool::h2_room_coming() const {
  // Each dial's own call takes one of its streams; the waiting calls take the rest.
  return h2_wanted() && dials_ * assumed_streams_ > dials_ + dial_waiters_.size();
}

awaitable<void> Pool::wait_for_dial(steady_timer& timer) {
  dial_waiters_.push_back(&timer);
  timer.expires_at(steady_timer::time_point::max());
  co_await timer.async_wait(use_tuple);
  std::erase(dial_waiters_, &timer);  // still there when the call's own stop woke it
}

void Pool::wake_dial_waiters() {
  // Every waiter looks again, and those that wait again count again: the ones not yet resumed
  // must not count against the room of the dials still in flight.
  for (auto* t : std::exchange(dial_waiters_, {})) t->cancel();
}

void Pool::dial_ended() {
  --dials_;
  wake_dial_waiters();
}

void Pool::DialInFlight::hand_over(std::shared_ptr<H2Connection> conn) {
  Pool& pool = *std::exchange(pool_, nullptr);
  pool.h2_.push_back(conn);
  std::weak_ptr<H2Connection> weak = conn;
  conn->start([&pool, weak] {
    if (auto c = weak.lock(); c && c->usable()) pool.assumed_streams_ = std::max<std::size_t>(1, c->max_streams());
    pool.dial_ended();
  });
}

std::unique_ptr<tls::ClientStream> Pool::take_idle() {
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->idle_and_open()) return conn;
  }
  return nullptr;
}

void Pool::put_back(std::unique_ptr<tls::ClientStream> conn) {
  if (idle_.size() >= settings_.pool_size || conn->cancelled()) return;
  conn->release_buffers();  // an idle connection holds no record buffers
  idle_.push_back(std::move(conn));
}

void Pool::Dial::throw_if_cancelled() const {
  if (cancelled_) throw std::system_error(asio::error::operation_aborted, "Gemini call cancelled");
}

void Pool::Dial::leave_turn() {
  if (counted_) --metrics::registry().upstream_handshakes_active;
  counted_ = false;
  turn_.reset();
}

void Pool::Dial::cancel() {
  cancelled_ = true;
  resolver_.cancel();
  if (turn_) turn_->cancel();
  if (conn_) conn_->cancel();
}

awaitable<std::unique_ptr<tls::ClientStream>> Pool::Dial::run() {
  throw_if_cancelled();
  turn_.emplace(pool_.handshakes_);
  auto& m = metrics::registry();
  if (pool_.handshakes_.inside() >= pool_.settings_.max_handshakes) ++m.upstream_handshake_waits;
  co_await turn_->enter();
  throw_if_cancelled();
  counted_ = true;
  m.upstream_handshakes_peak = std::max(m.upstream_handshakes_peak, ++m.upstream_handshakes_active);
  const Endpoint& endpoint = pool_.endpoint_;
  std::vector<tcp::endpoint> addresses;
  if (pool_.literal_) {
    addresses.push_back(*pool_.literal_);
  } else {
    auto [rec, results] = co_await resolver_.async_resolve(endpoint.host, endpoint.port, use_tuple);
    if (rec) throw std::system_error(rec, "resolve " + endpoint.host);
    throw_if_cancelled();
    addresses.assign(results.begin(), results.end());
  }
  conn_ = std::make_unique<tls::ClientStream>(pool_.io_, pool_.tls_);
  co_await connect_socket(addresses);
  conn_->socket().set_option(tcp::no_delay(true));
  std::string why;
  if (auto hec = co_await conn_->handshake(endpoint.host, why)) {
    certificate_rejected_ = conn_->peer_rejected();
    throw std::system_error(hec, "TLS handshake with " + endpoint.host + ": " + why);
  }
  throw_if_cancelled();
  ++m.upstream_connections;
  if (conn_->session_reused()) ++m.upstream_tls_resumed;
  leave_turn();  // the next handshake may start
  co_return std::move(conn_);
}

// Tries each address in turn. The socket is opened here, not by asio's range connect, which
// reports a socket it could not open (EMFILE) as operation_aborted, the same as a cancellation.
awaitable<void> Pool::Dial::connect_socket(const std::vector<tcp::endpoint>& addresses) {
  auto& socket = conn_->socket();
  std::optional<std::system_error> failure;
  for (const auto& address : addresses) {
    throw_if_cancelled();
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
  throw std::system_error(asio::error::host_not_found, "resolve " + pool_.endpoint_.host + ": no address");
}

}  // namespace chatrelay::gemini
