// The per-address limits shared by every instance on one Redis (DESIGN.md §3): the rate as GCRA
// (prefix "rate:ip:" + address), and the open streams as a sorted set per address (prefix
// "streams:ip:" + address) of "<instance>:<slot>" scored by when each expires on Redis's clock,
// pushed forward while the stream lasts, so that a crashed instance's streams expire.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/shared_limits.hpp"
#include "chatrelay/redis/client.hpp"

namespace chatrelay::store {

class RedisLimits final : public SharedLimits {
 public:
  // `client` and `settings` outlive this.
  RedisLimits(asio::any_io_executor ex, redis::Client& client, const config::Settings& settings);

  awaitable<std::optional<double>> take_request(std::string client) override;
  awaitable<std::optional<std::uint64_t>> open_stream(std::string client) override;
  void close_stream(std::uint64_t slot) override;
  // Stops renewing slots (at shutdown, so that the loop can end).
  void stop();

  // The member of `slot` in its address's set.
  std::string member(std::uint64_t slot) const { return instance_ + ":" + std::to_string(slot); }

 private:
  // Pushes every held slot's expiry forward, every third of the lease, while any is held.
  awaitable<void> renew_slots();
  // The call, or nullopt (logged and counted) when Redis cannot answer or answers an error.
  awaitable<std::optional<redis::Reply>> shared_call(redis::Script& script, std::vector<std::string> keys,
                                                     std::vector<std::string> args);

  asio::any_io_executor ex_;
  redis::Client& client_;
  const config::ServerSettings& server_;
  std::chrono::milliseconds lease_;
  std::string rate_prefix_;
  std::string streams_prefix_;
  std::string instance_;  // random per process: which set members are this instance's
  std::uint64_t next_slot_ = 1;
  std::unordered_map<std::uint64_t, std::string> held_;  // slot → its set's key
  bool renewing_ = false;
  asio::steady_timer renew_timer_;
  bool failing_ = false;  // the last check went unanswered: the next success is logged
  redis::Script rate_script_;
  redis::Script open_script_;
  redis::Script renew_script_;
};

}  // namespace chatrelay::store
