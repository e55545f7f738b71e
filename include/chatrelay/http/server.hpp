// The HTTP/1.1 listener: accepts connections (bounded), runs one coroutine per connection, and
// shuts down gracefully.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/rate_limiter.hpp"
#include "chatrelay/http/cors.hpp"
#include "chatrelay/http/router.hpp"

namespace chatrelay::http {

class Connection;

class Server {
 public:
  // `principals[i]` names settings.auth_tokens[i] (see Exchange::principal): derived from the token
  // by the caller, stable across restarts and instances, never the token itself.
  Server(asio::io_context& io, const config::ServerSettings& settings, const Router& router,
         std::vector<std::string> principals = {});
  ~Server();

  // Binds and listens. Throws std::system_error (address in use, bad host).
  void listen();
  std::uint16_t port() const;
  // Accepts until stop(); spawn it on the io_context.
  awaitable<void> accept_loop();

  // Graceful shutdown: stop accepting, close idle connections, let running requests finish for up
  // to shutdown_grace_s, then ask streams to end (Exchange::on_forced_shutdown). `on_drained` runs
  // once no connection is left.
  void shutdown(std::function<void()> on_drained);

  std::size_t active_connections() const { return connections_.size(); }
  bool shutting_down() const { return shutting_down_; }

  // Used by Connection.
  const config::ServerSettings& settings() const { return settings_; }
  const Router& router() const { return router_; }
  const CorsPolicy& cors() const { return cors_; }
  std::list<Connection*>::iterator attach(Connection* c);
  // Every connection's reads land here and are parsed before the connection next suspends.
  std::array<char, 16 * 1024>& read_buffer() { return read_buffer_; }
  void detach(std::list<Connection*>::iterator it);

  // Inbound access control (all off unless configured). nullopt: let the request through, with
  // `principal` set to the name of the token it presented ("" with authentication off); else
  // the refusal to send. `peer` is the client's IP address.
  std::optional<Response> admit(const Message& request, const std::string& peer, std::string& principal);
  // Concurrent streams per client IP: false when the cap is reached (the caller answers 429).
  bool open_stream(const std::string& peer);
  void close_stream(const std::string& peer);

 private:
  // Gives memory back once no connection has been open for give_back_after (see detach).
  void arm_give_back(std::chrono::steady_clock::duration after);

  asio::io_context& io_;
  config::ServerSettings settings_;
  const Router& router_;
  std::vector<std::string> principals_;
  CorsPolicy cors_;
  tcp::acceptor acceptor_;
  std::list<Connection*> connections_;
  asio::steady_timer grace_;
  bool shutting_down_ = false;
  RateLimiter ip_limiter_;
  asio::steady_timer trim_;  // gives memory back once quiet (see detach)
  bool trim_armed_ = false;
  std::chrono::steady_clock::time_point quiet_since_;  // when the last connection closed
  std::unordered_map<std::string, std::size_t> streams_per_ip_;
  std::function<void()> on_drained_;
  std::array<char, 16 * 1024> read_buffer_;
};

}  // namespace chatrelay::http
