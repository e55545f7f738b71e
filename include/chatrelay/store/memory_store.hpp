// The in-process store behind the SessionStore interface: memory::SessionStore and a local rate
// limiter; every call completes at once.
#pragma once

#include "chatrelay/core/rate_limiter.hpp"
#include "chatrelay/memory/session_store.hpp"
#include "chatrelay/store/session_store.hpp"

namespace chatrelay::store {

class MemoryStore final : public SessionStore {
 public:
  MemoryStore(memory::SessionStore& sessions, double session_rate_per_s, double session_burst)
      : sessions_(sessions), limiter_(session_rate_per_s, session_burst) {}

  awaitable<std::optional<Session>> read(std::string key) override;
  awaitable<void> commit(Commit commit) override;
  awaitable<std::optional<std::string>> acquire(std::string key) override;
  awaitable<void> renew(std::string, std::string) override { co_return; }
  std::chrono::steady_clock::duration renew_every() const override { return {}; }
  void release(std::string key, std::string lease) override;
  awaitable<Erased> erase(std::string key) override;
  awaitable<std::optional<double>> take_turn(std::string key) override;
  awaitable<bool> ready() override { co_return true; }

 private:
  memory::SessionStore& sessions_;
  RateLimiter limiter_;
};

}  // namespace chatrelay::store
