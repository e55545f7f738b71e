// Server: bind/listen, the accept loop with the connection cap, and graceful shutdown.
#include "chatrelay/http/server.hpp"

#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "connection.hpp"

namespace chatrelay::http {

Server::Server(asio::io_context& io, const config::ServerSettings& settings, const Router& router)
    : io_(io),
      settings_(settings),
      router_(router),
      cors_(settings.allowed_origins),
      acceptor_(io),
      grace_(io),
      forced_(io) {
  forced_.expires_at(asio::steady_timer::time_point::max());
}

Server::~Server() = default;

void Server::listen() {
  auto address = asio::ip::make_address(settings_.host);
  tcp::endpoint ep(address, settings_.port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

awaitable<void> Server::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      // EMFILE and friends: back off briefly instead of spinning.
      log::warn("accept failed", {log::kv("error", ec.message())});
      asio::steady_timer pause(io_, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (connections_.size() >= settings_.max_connections) {
      asio::error_code ignored;
      socket.close(ignored);  // refuse: existing connections are unaffected
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_unique<Connection>(*this, std::move(socket));
    auto* raw = conn.get();
    asio::co_spawn(io_, raw->run(), [c = std::move(conn)](std::exception_ptr) mutable { c.reset(); });
  }
}

std::list<Connection*>::iterator Server::attach(Connection* c) {
  return connections_.insert(connections_.end(), c);
}

void Server::detach(std::list<Connection*>::iterator it) {
  connections_.erase(it);
  if (shutting_down_ && connections_.empty() && on_drained_) {
    grace_.cancel();
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    asio::post(io_, std::move(done));
  }
}

void Server::shutdown(std::function<void()> on_drained) {
  if (shutting_down_) return;
  shutting_down_ = true;
  on_drained_ = std::move(on_drained);
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (auto* c : connections_) c->begin_shutdown();
  if (connections_.empty()) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    asio::post(io_, std::move(done));
    return;
  }
  grace_.expires_after(seconds_f(settings_.shutdown_grace_s));
  grace_.async_wait([this](asio::error_code ec) {
    if (ec) return;
    log::warn("shutdown grace period over: ending open streams",
              {log::kv("connections", connections_.size())});
    // Wakes every waiting Exchange::forced_shutdown() and makes later waits complete at once.
    forced_.expires_at(asio::steady_timer::time_point::min());
  });
}

}  // namespace chatrelay::http
