// Server: bind/listen, the accept loop with the connection cap, and graceful shutdown.
#include "chatrelay/http/server.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "chatrelay/core/constant_time.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/heap.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/record_batches.hpp"
#include "connection.hpp"

namespace chatrelay::http {

Server::Server(asio::io_context& io, const config::ServerSettings& settings, const Router& router,
               std::vector<std::string> principals)
    : io_(io),
      settings_(settings),
      router_(router),
      principals_(std::move(principals)),
      cors_(settings.allowed_origins),
      grace_(io),
      ip_limiter_(settings.ip_rate_per_s, settings.ip_burst),
      trim_(io) {}

Server::~Server() = default;

void Server::listen() {
  // A name ("localhost") is resolved once, at start: listening sockets do not follow DNS.
  tcp::resolver resolver(io_);
  const auto results = resolver.resolve(settings_.host, std::to_string(settings_.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
  std::vector<tcp::endpoint> endpoints;
  for (const auto& r : results)
    if (std::find(endpoints.begin(), endpoints.end(), r.endpoint()) == endpoints.end()) endpoints.push_back(r.endpoint());
  if (endpoints.empty()) throw std::system_error(asio::error::host_not_found, "resolve " + settings_.host);
  acceptors_.reserve(endpoints.size());  // accept_loop holds references into it
  std::optional<std::system_error> first_error;
  for (auto ep : endpoints) {
    if (!acceptors_.empty()) ep.port(port());  // port 0: every address on the first one's port
    tcp::acceptor acceptor(io_);
    try {
      acceptor.open(ep.protocol());
      acceptor.set_option(tcp::acceptor::reuse_address(true));
      // server.reuse_port: other chatrelay processes may bind the same port (DESIGN.md §2); the
      // kernel spreads new connections over all of them.
      if (settings_.reuse_port) acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
      // Beside an IPv4 address of the same name, an IPv6 socket takes IPv6 only.
      if (ep.address().is_v6() && endpoints.size() > 1) acceptor.set_option(asio::ip::v6_only(true));
      acceptor.bind(ep);
      acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const std::system_error& e) {
      if (endpoints.size() > 1)
        log::warn("cannot listen on one of the host's addresses",
                  {log::kv("address", ep.address().to_string()), log::kv("error", e.code().message())});
      if (!first_error) first_error = e;
      continue;
    }
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) throw *first_error;
  socket_opening(io_);  // the first batch of socket records (record_batches.hpp)
}

std::uint16_t Server::port() const { return acceptors_.front().local_endpoint().port(); }

awaitable<void> Server::accept_loop() {
  for (std::size_t i = 1; i < acceptors_.size(); ++i) asio::co_spawn(io_, accept_on(acceptors_[i]), asio::detached);
  co_await accept_on(acceptors_.front());
}

awaitable<void> Server::accept_on(tcp::acceptor& acceptor) {
  while (acceptor.is_open()) {
    tcp::endpoint peer;  // filled by accept(2) itself: no getpeername(2) per connection
    auto [ec, socket] = co_await acceptor.async_accept(peer, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
      // EMFILE and friends: back off briefly instead of spinning.
      log::warn("accept failed", {log::kv("error", ec.message())});
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (connections_.size() >= settings_.max_connections || shutting_down_) {
      asio::error_code ignored;
      socket.close(ignored);  // refuse: existing connections are unaffected
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    socket_opening(io_);
    auto conn = std::make_unique<Connection>(*this, std::move(socket), peer);
    auto* raw = conn.get();
    asio::co_spawn(io_, raw->run(),
                   asio::bind_cancellation_slot(raw->stop_slot(),
                                                [c = std::move(conn)](std::exception_ptr) mutable { c.reset(); }));
  }
}

std::optional<http1::Response> Server::check_rate(std::string_view path, const std::string& client) {
  if (path == "/health") return std::nullopt;  // liveness stays open for probes
  if (auto wait = ip_limiter_.acquire(client)) return rate_refusal(path, *wait);
  return std::nullopt;
}

http1::Response Server::rate_refusal(std::string_view path, double wait_s) const {
  http1::Response r = router_.refusal(path, 429, "Too many requests from this address; slow down.");
  r.header("Retry-After", std::to_string(static_cast<long>(std::ceil(wait_s))));
  return r;
}

http1::Response Server::streams_refusal(std::string_view path) const {
  http1::Response r = router_.refusal(path, 429, "Too many concurrent streams from this address; wait for one to finish.");
  r.header("Retry-After", "1");
  return r;
}

void Server::share_limits(SharedLimits* limits) {
  if (settings_.ip_rate_per_s > 0 || settings_.max_streams_per_ip > 0) shared_ = limits;
}

awaitable<std::optional<http1::Response>> Server::limit_shared_rate(std::string_view path, const std::string& client) {
  // The same requests count as in limit_rate: all but /health.
  if (!shared_ || !ip_limiter_.enabled() || path == "/health") co_return std::nullopt;
  if (auto wait = co_await shared_->take_request(client)) co_return rate_refusal(path, *wait);
  co_return std::nullopt;
}

awaitable<std::optional<std::uint64_t>> Server::open_shared_stream(const std::string& client) {
  if (!shared_ || settings_.max_streams_per_ip == 0) co_return std::uint64_t{0};
  co_return co_await shared_->open_stream(client);
}

void Server::close_shared_stream(std::uint64_t slot) {
  if (shared_ && slot != 0) shared_->close_stream(slot);
}

std::optional<http1::Response> Server::check_token(const http1::Message& request, std::string& principal) const {
  principal.clear();
  if (request.path() == "/health") return std::nullopt;
  std::string_view auth = request.header("authorization");
  constexpr std::string_view scheme = "Bearer ";
  bool ok = false;
  if (auth.size() > scheme.size() && http1::iequals(auth.substr(0, scheme.size()), scheme)) {
    auto presented = auth.substr(scheme.size());
    // Every token is compared, matched or not: the time taken does not say which one matched.
    for (std::size_t i = 0; i < settings_.auth_tokens.size(); ++i) {
      if (constant_time_equal(settings_.auth_tokens[i], presented)) {
        ok = true;
        principal = i < principals_.size() ? principals_[i] : "token" + std::to_string(i);
      }
    }
  }
  if (ok) return std::nullopt;
  http1::Response r = router_.refusal(request.path(), 401, "Not authenticated");
  r.header("WWW-Authenticate", auth.empty() ? "Bearer" : "Bearer error=\"invalid_token\"");
  return r;
}

bool Server::open_stream(const std::string& client) {
  if (settings_.max_streams_per_ip == 0) return true;
  auto& n = streams_per_ip_[client];
  if (n >= settings_.max_streams_per_ip) return false;  // n > 0: max_streams_per_ip is not 0
  ++n;
  return true;
}

void Server::close_stream(const std::string& client) {
  if (settings_.max_streams_per_ip == 0) return;
  auto it = streams_per_ip_.find(client);
  if (it != streams_per_ip_.end() && --it->second == 0) streams_per_ip_.erase(it);
}

std::list<Connection*>::iterator Server::attach(Connection* c) {
  return connections_.insert(connections_.end(), c);
}

namespace {
// How long the server must have had no connection before it gives back what the last burst took.
// Not much less: the pages given back are faulted in again by the next burst, which then pays for
// them in its time to first token (bench/RESULTS.md, the latency rounds).
constexpr std::chrono::seconds give_back_after(5);
}  // namespace

void Server::detach(std::list<Connection*>::iterator it) {
  connections_.erase(it);
  socket_closed(io_);
  if (connections_.empty() && !shutting_down_) {
    // Hand memory freed by a burst of connections back to the OS (glibc keeps it otherwise)
    // once no connection has been open for a while: what the last streams' upstream calls held
    // is freed by then too.
    quiet_since_ = std::chrono::steady_clock::now();
    if (!trim_armed_) arm_give_back(give_back_after);
  }
  if (shutting_down_ && connections_.empty()) drained();
}

void Server::drained() {
  if (!on_drained_) return;
  grace_.cancel();
  auto done = std::move(on_drained_);
  on_drained_ = nullptr;
  asio::post(io_, std::move(done));
}

void Server::arm_give_back(std::chrono::steady_clock::duration after) {
  trim_armed_ = true;
  trim_.expires_after(after);
  trim_.async_wait([this](asio::error_code ec) {
    trim_armed_ = false;
    if (ec || !connections_.empty()) return;  // armed again when the last of them closes
    const auto quiet = std::chrono::steady_clock::now() - quiet_since_;
    if (quiet < give_back_after) {  // connections came and went meanwhile
      arm_give_back(give_back_after - quiet);
      return;
    }
    give_back_free_memory();
  });
}

void Server::shutdown(std::function<void()> on_drained) {
  if (shutting_down_) return;
  shutting_down_ = true;
  on_drained_ = std::move(on_drained);
  asio::error_code ignored;
  for (auto& a : acceptors_) a.close(ignored);
  trim_.cancel();
  for (auto* c : connections_) c->begin_shutdown();
  if (connections_.empty()) {
    drained();
    return;
  }
  grace_.expires_after(seconds_f(settings_.shutdown_grace_s));
  grace_.async_wait([this](asio::error_code ec) {
    if (ec) return;
    log::warn("shutdown grace period over: ending open streams", {log::kv("connections", connections_.size())});
    // Each connection has its own signal: one shared timer with thousands of waiters costs a
    // walk of all of them whenever one stream ends and drops its wait.
    for (auto* c : connections_) c->force_end();
    grace_.expires_after(close_all_after);
    grace_.async_wait([this](asio::error_code ec) {
      if (ec) return;
      if (!connections_.empty())
        log::warn("shutdown: closing connections still open", {log::kv("connections", connections_.size())});
      for (auto* c : connections_) c->close_now();
    });
  });
}

}  // namespace chatrelay::http
