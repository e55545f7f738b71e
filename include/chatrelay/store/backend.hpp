// The session store memory.store names, with what it runs on: the in-process store, or a Redis
// client and the Redis store (DESIGN.md §3). The service holds one and hands its store to the
// handlers.
#pragma once

#include <memory>
#include <stdexcept>
#include <string_view>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/shared_limits.hpp"
#include "chatrelay/memory/session_store.hpp"
#include "chatrelay/store/session_store.hpp"

namespace chatrelay::redis {
class Client;
}

namespace chatrelay::store {

class RedisLimits;

// The store refused the configuration (Redis: wrong password, unknown database): the process
// should not start (exit 2). The message names the URL without its password.
class Refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Backend {
 public:
  // `sessions` is the in-process store (memory.store = "memory"). Both arguments outlive this.
  Backend(asio::io_context& io, const config::Settings& settings, memory::SessionStore& sessions);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  // Connects to Redis (memory.store = "redis") by running `io` until it answers or fails; a
  // no-op for the in-process store. Throws Refused; a Redis that does not answer yet is logged,
  // and retried in the background (then /ready says 503).
  void connect();
  // Closes the Redis connection for good (at shutdown, so that the loop can end).
  void stop();

  SessionStore& store() { return *store_; }
  // The per-address limits shared by every instance (Redis), or null (the in-process store).
  SharedLimits* shared_limits();
  std::string_view kind() const { return redis_ ? "redis" : "memory"; }

 private:
  asio::io_context& io_;
  const config::Settings& settings_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<SessionStore> store_;
  std::unique_ptr<RedisLimits> limits_;
};

}  // namespace chatrelay::store
