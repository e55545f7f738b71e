// The GCRA rate limit as one Lua script on Redis's clock (DESIGN.md §3), for the per-session and
// the per-address rates alike.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace chatrelay::store {

// Redis's clock in ms, as `now`: every instance agrees on it.
inline constexpr const char* redis_now_lua = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
)lua";

// GCRA (the generic cell rate algorithm): one key per limited thing holds the theoretical arrival
// time in ms. KEYS: the key. ARGV: emission interval ms (1000 / rate), burst. 0 when allowed,
// else the ms to wait. The key lives until the bucket is full again.
inline constexpr const char* gcra_lua = R"lua(
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return math.ceil(tat - now - tolerance) end
tat = tat + interval
redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil(tat - now) + 1)
return 0
)lua";

// gcra_lua's ARGV for `rate` per second (more than 0) and `burst`.
inline std::vector<std::string> gcra_args(double rate, double burst) {
  return {std::to_string(1000.0 / rate), std::to_string(std::max(burst, 1.0))};
}

}  // namespace chatrelay::store
