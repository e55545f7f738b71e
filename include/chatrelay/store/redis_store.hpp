// The Redis store (DESIGN.md §3): one value per session (prefix "s:" + key) with TTL
// memory.session_ttl_s, committed by one Lua script that applies a turn id once and releases the
// busy lease (prefix "lock:" + key, SET NX PX memory.redis_lease_s, renewed while streaming) in
// the same step; the per-session rate limit is a GCRA script (prefix "rate:session:" + key), shared by all instances.
#pragma once

#include "chatrelay/config/settings.hpp"
#include "chatrelay/redis/client.hpp"
#include "chatrelay/store/session_store.hpp"

namespace chatrelay::store {

// How long a busy lease or a stream slot lives without renewal (memory.redis_lease_s): what a
// crashed instance held is free again after this.
inline std::chrono::milliseconds redis_lease(const config::MemorySettings& memory) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(memory.redis_lease_s * 1000));
}

class RedisStore final : public SessionStore {
 public:
  // `client` and `settings` outlive the store.
  RedisStore(asio::any_io_executor ex, redis::Client& client, const config::Settings& settings);

  awaitable<std::optional<Session>> read(std::string key) override;
  awaitable<void> commit(Commit commit) override;
  awaitable<std::optional<std::string>> acquire(std::string key) override;
  awaitable<void> renew(std::string key, std::string lease) override;
  std::chrono::steady_clock::duration renew_every() const override { return lease_ / 3; }
  void release(std::string key, std::string lease) override;
  awaitable<Erased> erase(std::string key) override;
  awaitable<std::optional<double>> take_turn(std::string key) override;
  awaitable<bool> ready() override;

 private:
  // One call, timed and counted in /metrics; an error reply is a failure. Throws Unavailable.
  awaitable<redis::Reply> timed(awaitable<redis::Reply> op);
  awaitable<redis::Reply> call(std::vector<std::string> args);
  awaitable<redis::Reply> eval(redis::Script& script, std::vector<std::string> keys, std::vector<std::string> args);
  awaitable<void> commit_once(const Commit& c);

  asio::any_io_executor ex_;  // where a lease given back without waiting runs
  redis::Client& client_;
  const config::Settings& settings_;
  std::chrono::milliseconds lease_;  // redis_lease()
  std::string session_prefix_;
  std::string lock_prefix_;
  std::string rate_prefix_;
  redis::Script commit_script_;
  redis::Script renew_script_;
  redis::Script release_script_;
  redis::Script erase_script_;
  redis::Script rate_script_;
};

}  // namespace chatrelay::store
