// The Redis client: one connection per process, owned by a coroutine on the loop, commands
// pipelined (each call queues its command and waits for its reply in order), a timeout on every
// call, AUTH/SELECT on each connection, reconnection with backoff (DESIGN.md §3, §4).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/redis/reply.hpp"

namespace chatrelay::redis {

// Redis cannot answer now: not connected, timed out, queue full, connection lost. What the caller
// tells its user is "history unavailable"; `what()` is for the log.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Redis refused the credentials or the database of the URL: a configuration error, not an outage.
class AuthFailed : public Unavailable {
 public:
  using Unavailable::Unavailable;
};

// rediss://: the server's certificate failed verification (unknown CA, another host's name,
// expired): a configuration error too, which retrying does not heal.
class CertificateRejected : public AuthFailed {
 public:
  using AuthFailed::AuthFailed;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string user;
  std::string password;  // secret: sent in AUTH only
  int db = 0;
};

struct ClientOptions {
  Endpoint endpoint;
  // rediss://: TLS, the server verified against `ca_file` (PEM), or the system trust store.
  bool tls = false;
  std::optional<std::string> ca_file;
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(2);  // every call, and connecting
  std::size_t max_in_flight = 4096;   // calls queued or awaiting their reply
  std::size_t max_reply_bytes = 64u << 20;
  std::chrono::steady_clock::duration max_backoff = std::chrono::seconds(2);
};

// A Lua script run with EVALSHA; loaded (again) when Redis answers NOSCRIPT, as after a restart.
struct Script {
  std::string source;
  std::string sha;  // filled by the first load
};

class Client {
 public:
  // Throws std::system_error when options.ca_file cannot be loaded.
  Client(asio::io_context& io, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects once (with AUTH and SELECT) within the timeout, then keeps the connection: when it
  // drops, reconnects with backoff until stop(). Throws AuthFailed when Redis refuses the
  // credentials or the database (the process should not start), Unavailable when it cannot be
  // reached (then it keeps trying in the background).
  awaitable<void> start();
  void stop();

  // Sends one command and returns its reply (an error reply is a Reply, not an exception).
  // Throws Unavailable.
  awaitable<Reply> call(std::vector<std::string> args);
  // EVALSHA of `script` with `keys` and `args`, loading it first when Redis does not have it.
  // Throws Unavailable.
  awaitable<Reply> eval(Script& script, std::vector<std::string> keys, std::vector<std::string> args);

  bool connected() const;
  bool stopped() const;

  struct State;  // shared with the connection's coroutines, which may outlive a call

 private:
  std::shared_ptr<State> s_;
};

}  // namespace chatrelay::redis
