// RedisLimits: the shared per-address rate and stream cap as Lua scripts (DESIGN.md §3, §4).
#include "chatrelay/store/redis_limits.hpp"

#include <utility>
#include <vector>

#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/store/redis_store.hpp"
#include "gcra.hpp"

namespace chatrelay::store {
namespace {

// A set lives as long as its last member (after redis_now_lua).
constexpr const char* expire_with_last_lua = R"lua(
local function expire_with_last(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', key, math.ceil(tonumber(last[2])) + 1) end
end
)lua";

// KEYS: the address's set. ARGV: the cap, the member, lease ms. Expired members (a crashed
// instance's) go first; then 1 when the member was added, 0 when the cap is reached.
constexpr const char* open_lua = R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
expire_with_last(KEYS[1])
return 1
)lua";

// Renews a batch of slots in one call. KEYS: each slot's set (one per slot, repeated when an
// address holds several). ARGV: lease ms, then the member of each KEYS[i].
constexpr const char* renew_lua = R"lua(
local until_ms = now + tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', until_ms, ARGV[i + 1])
  expire_with_last(key)
end
return 1
)lua";

// Slots renewed per call: thousands of held streams renew in a few round trips, each call short
// enough not to hold Redis up for long (a script runs alone).
constexpr std::size_t renew_batch = 512;

std::string script(std::initializer_list<const char*> parts) {
  std::string s;
  for (const char* p : parts) s += p;
  return s;
}

}  // namespace

RedisLimits::RedisLimits(asio::any_io_executor ex, redis::Client& client, const config::Settings& settings)
    : ex_(std::move(ex)),
      client_(client),
      server_(settings.server),
      lease_(redis_lease(settings.memory)),
      rate_prefix_(settings.memory.redis_prefix + "rate:ip:"),
      streams_prefix_(settings.memory.redis_prefix + "streams:ip:"),
      instance_(random_hex_id()),
      renew_timer_(ex_),
      rate_script_{script({redis_now_lua, gcra_lua}), ""},
      open_script_{script({redis_now_lua, expire_with_last_lua, open_lua}), ""},
      renew_script_{script({redis_now_lua, expire_with_last_lua, renew_lua}), ""} {}

awaitable<std::optional<redis::Reply>> RedisLimits::shared_call(redis::Script& script, std::vector<std::string> keys,
                                                                std::vector<std::string> args) {
  std::string failure;
  try {
    auto reply = co_await client_.eval(script, std::move(keys), std::move(args));
    if (!reply.is_error()) {
      if (failing_) log::info("shared per-address limits are checked in Redis again");
      failing_ = false;
      co_return reply;
    }
    failure = "Redis answered an error: " + reply.text;
  } catch (const redis::Unavailable& e) {
    failure = e.what();
  }
  // Fail open (DESIGN.md §4): this instance's own limits still hold, and a turn needs Redis
  // anyway, so refusing here would only turn history_unavailable into 429.
  ++metrics::registry().shared_limit_failures;
  if (!failing_)
    log::warn("Redis does not answer: per-address limits hold in this instance only until it does",
              {log::kv("reason", failure)});
  failing_ = true;
  co_return std::nullopt;
}

awaitable<std::optional<double>> RedisLimits::take_request(std::string client) {
  std::vector<std::string> keys{rate_prefix_ + client};
  const auto reply = co_await shared_call(rate_script_, std::move(keys), gcra_args(server_.ip_rate_per_s, server_.ip_burst));
  if (!reply || reply->integer <= 0) co_return std::nullopt;
  co_return static_cast<double>(reply->integer) / 1000.0;
}

awaitable<std::optional<std::uint64_t>> RedisLimits::open_stream(std::string client) {
  const std::uint64_t slot = next_slot_++;
  std::string key = streams_prefix_ + client;
  std::vector<std::string> keys{key};
  std::vector<std::string> args{std::to_string(server_.max_streams_per_ip), member(slot),
                                std::to_string(lease_.count())};
  const auto reply = co_await shared_call(open_script_, std::move(keys), std::move(args));
  if (!reply) {
    // The member may have been added all the same (a reply lost): not renewed, it expires.
    co_return std::uint64_t{0};
  }
  if (reply->integer == 0) co_return std::nullopt;
  held_.emplace(slot, std::move(key));
  if (!renewing_) {
    renewing_ = true;
    asio::co_spawn(ex_, renew_slots(), asio::detached);
  }
  co_return slot;
}

void RedisLimits::close_stream(std::uint64_t slot) {
  const auto it = held_.find(slot);
  if (it == held_.end()) return;
  std::vector<std::string> args{"ZREM", std::move(it->second), member(slot)};
  held_.erase(it);
  // Once, without waiting: a slot Redis does not hear of expires at the end of its lease.
  auto give_back = [](redis::Client& client, std::vector<std::string> args) -> awaitable<void> {
    try {
      co_await client.call(std::move(args));
    } catch (const redis::Unavailable&) {
    }
  };
  if (client_.connected()) asio::co_spawn(ex_, give_back(client_, std::move(args)), asio::detached);
}

void RedisLimits::stop() {
  held_.clear();
  renew_timer_.cancel();
}

awaitable<void> RedisLimits::renew_slots() {
  while (!held_.empty() && !client_.stopped()) {
    renew_timer_.expires_after(lease_ / 3);
    co_await renew_timer_.async_wait(use_tuple);
    // Batches made before the first call: slots close while the calls are on their way (a
    // closed slot's member is gone from its set, and ZADD XX does not add it again).
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> batches;
    for (const auto& [slot, key] : held_) {
      if (batches.empty() || batches.back().first.size() == renew_batch)
        batches.emplace_back(std::vector<std::string>{}, std::vector<std::string>{std::to_string(lease_.count())});
      batches.back().first.push_back(key);
      batches.back().second.push_back(member(slot));
    }
    for (auto& [keys, args] : batches) co_await shared_call(renew_script_, std::move(keys), std::move(args));
  }
  renewing_ = false;
}

}  // namespace chatrelay::store
