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
#include <vector>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/rate_limiter.hpp"
#include "chatrelay/http/cors.hpp"
#include "chatrelay/http/router.hpp"
#include "chatrelay/core/shared_limits.hpp"

namespace chatrelay::http {

class Connection;

class Server {
 public:
  // `principals[i]` names settings.auth_tokens[i] (see Exchange::principal): derived from the token
  // by the caller, stable across restarts and instances, never the token itself.
  Server(asio::io_context& io, const config::ServerSettings& settings, const Router& router,
         std::vector<std::string> principals = {});
  ~Server();

  // Binds and listens on every address settings.host names (a name such as "localhost" is
  // resolved now; with port 0 the addresses after the first take the first one's port, and one
  // that cannot be bound is logged and skipped). Throws std::system_error (address in use, host
  // that resolves to nothing).
  void listen();
  std::uint16_t port() const;
  // Accepts on every address until shutdown(); spawn it on the io_context.
  awaitable<void> accept_loop();

  // Graceful shutdown (DESIGN.md §4): stop accepting, close idle connections and those still
  // reading a request, let running answers go on for up to shutdown_grace_s, then ask streams to
  // end (Exchange::forced_end_slot) and give them forced_end_allowance to write it; then close
  // what is left. `on_drained` runs once no connection is left.
  void shutdown(std::function<void()> on_drained);
  // After the grace period: how long a stream has to write its last chunk before it is cut.
  static constexpr std::chrono::milliseconds forced_end_allowance{500};
  // After the grace period: when every connection still open is closed.
  static constexpr std::chrono::milliseconds close_all_after{750};

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

  // Inbound access control (all off unless configured), decided on a request's head; each gives
  // nullopt to let the request through, else the refusal to send. `client` is client_key() of the
  // client's address.
  // The per-address rate (429): every request counts, refused or not, but those for /health.
  // (Both checks are inline when off: the /health hot path pays a test each.)
  std::optional<http1::Response> limit_rate(std::string_view path, const std::string& client) {
    if (!ip_limiter_.enabled()) return std::nullopt;
    return check_rate(path, client);
  }
  // The bearer token (401); `principal` is set to the name of the token presented ("" with
  // authentication off). /health needs none.
  std::optional<http1::Response> authenticate(const http1::Message& request, std::string& principal) const {
    if (settings_.auth_tokens.empty()) return std::nullopt;  // `principal` stays ""
    return check_token(request, principal);
  }
  // Concurrent streams per client: false when the cap is reached (the caller answers 429). The
  // map holds an entry only while its client has a stream open, so it never has more entries
  // than there are connections (max_connections).
  bool open_stream(const std::string& client);
  void close_stream(const std::string& client);

  // Limits shared with other instances (the Redis store's), asked after the in-process ones; kept
  // only when server.ip_rate_per_s or server.max_streams_per_ip is on. `limits` outlives the
  // server.
  void share_limits(SharedLimits* limits);
  bool shares_limits() const { return shared_ != nullptr; }
  // The shared per-address rate (429), for what limit_rate let through.
  awaitable<std::optional<http1::Response>> limit_shared_rate(std::string_view path, const std::string& client);
  // The shared stream cap, for a stream open_stream admitted: nullopt when it is reached, else
  // the slot to give back with close_shared_stream (0: none held).
  awaitable<std::optional<std::uint64_t>> open_shared_stream(const std::string& client);
  void close_shared_stream(std::uint64_t slot);
  // The 429s of the two per-address limits.
  http1::Response rate_refusal(std::string_view path, double wait_s) const;
  http1::Response streams_refusal(std::string_view path) const;

 private:
  // Gives memory back once no connection has been open for give_back_after (see detach).
  void arm_give_back(std::chrono::steady_clock::duration after);
  awaitable<void> accept_on(tcp::acceptor& acceptor);
  std::optional<http1::Response> check_rate(std::string_view path, const std::string& client);
  std::optional<http1::Response> check_token(const http1::Message& request, std::string& principal) const;
  void drained();

  asio::io_context& io_;
  config::ServerSettings settings_;
  const Router& router_;
  std::vector<std::string> principals_;
  CorsPolicy cors_;
  std::vector<tcp::acceptor> acceptors_;
  std::list<Connection*> connections_;
  asio::steady_timer grace_;
  bool shutting_down_ = false;
  RateLimiter ip_limiter_;
  asio::steady_timer trim_;  // gives memory back once quiet (see detach)
  bool trim_armed_ = false;
  std::chrono::steady_clock::time_point quiet_since_;  // when the last connection closed
  std::unordered_map<std::string, std::size_t> streams_per_ip_;
  SharedLimits* shared_ = nullptr;
  std::function<void()> on_drained_;
  std::array<char, 16 * 1024> read_buffer_;
};

}  // namespace chatrelay::http
