// RedisStore: the store's calls as Redis commands and Lua scripts (DESIGN.md §3).
#include "chatrelay/store/redis_store.hpp"

#include <cmath>

#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/store/session_codec.hpp"
#include "chatrelay/store/window.hpp"
#include "gcra.hpp"

namespace chatrelay::store {
namespace {

// KEYS: session, lease. ARGV: turn id, the "recent" the new value was computed from, the value,
// TTL in ms, the lease token. The value's first members are "turn" and "recent" (session_codec):
// a turn id found in "recent" was applied before (a retry), and is not applied again; a value
// whose "recent" is not the one the new value was computed from changed meanwhile, and is not
// overwritten. The lease goes in the same step either way: the turn is over.
constexpr const char* commit_lua = R"lua(
local current = redis.call('GET', KEYS[1])
local recent = ' '
if current then
  recent = string.match(current, '^{"turn":"[^"]*","recent":"([^"]*)"') or ''
end
local result
if string.find(recent, ' ' .. ARGV[1] .. ' ', 1, true) then
  result = 'applied before'
elseif recent == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  result = 'applied'
else
  result = 'changed'
end
if redis.call('GET', KEYS[2]) == ARGV[5] then redis.call('DEL', KEYS[2]) end
return result
)lua";

// KEYS: lease. ARGV: token, lease ms. 1 when it was still ours.
constexpr const char* renew_lua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

constexpr const char* release_lua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// KEYS: session, lease. -1 while it streams, else how many keys went.
constexpr const char* erase_lua = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
return redis.call('DEL', KEYS[1])
)lua";

std::string ms(double seconds) { return std::to_string(static_cast<std::int64_t>(std::ceil(seconds * 1000))); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RedisStore::RedisStore(asio::any_io_executor ex, redis::Client& client, const config::Settings& settings)
    : ex_(std::move(ex)),
      client_(client),
      settings_(settings),
      lease_(redis_lease(settings.memory)),
      session_prefix_(settings.memory.redis_prefix + "s:"),
      lock_prefix_(settings.memory.redis_prefix + "lock:"),
      rate_prefix_(settings.memory.redis_prefix + "rate:session:"),
      commit_script_{commit_lua, ""},
      renew_script_{renew_lua, ""},
      release_script_{release_lua, ""},
      erase_script_{erase_lua, ""},
      rate_script_{std::string(redis_now_lua) + gcra_lua, ""} {}

awaitable<redis::Reply> RedisStore::timed(awaitable<redis::Reply> op) {
  auto& m = metrics::registry();
  const auto start = std::chrono::steady_clock::now();
  std::optional<redis::Reply> reply;
  try {
    reply = co_await std::move(op);
  } catch (const redis::Unavailable& e) {
    ++m.store_errors;
    m.store_up = client_.connected() ? 1 : 0;
    throw Unavailable(e.what());
  }
  m.store_duration.observe(to_seconds(std::chrono::steady_clock::now() - start));
  m.store_up = 1;
  if (reply->is_error()) {
    ++m.store_errors;
    throw Unavailable("Redis answered an error: " + reply->text);
  }
  co_return std::move(*reply);
}

awaitable<redis::Reply> RedisStore::call(std::vector<std::string> args) {
  return timed(client_.call(std::move(args)));
}

awaitable<redis::Reply> RedisStore::eval(redis::Script& script, std::vector<std::string> keys,
                                         std::vector<std::string> args) {
  return timed(client_.eval(script, std::move(keys), std::move(args)));
}

awaitable<std::optional<Session>> RedisStore::read(std::string key) {
  std::vector<std::string> args{"GET", session_prefix_ + key};
  const auto reply = co_await call(std::move(args));
  if (reply.is_nil()) co_return std::nullopt;
  auto value = decode(reply.text);
  if (!value) throw Unavailable("a stored session is not a value chatrelay wrote (key " + session_prefix_ + key + ")");
  if (value->turns.empty()) co_return std::nullopt;
  Session s;
  s.turns = std::move(value->turns);
  s.updated_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(value->updated_ms));
  s.version = std::move(value->recent);
  co_return s;
}

awaitable<void> RedisStore::commit_once(const Commit& c) {
  // The value is computed here from what the turn read (or, for a transcript, from what is stored
  // now), and written only if that is still what is stored (the script compares): the lease makes
  // a change in between unlikely, the comparison makes it harmless.
  StoredValue stored;
  stored.recent = " ";  // what the script sees for a session not stored
  if (c.base_read && !c.replace) {
    if (c.base) {
      stored.turns = c.base->turns;
      stored.recent = c.base->version;
    }
  } else {
    std::vector<std::string> get{"GET", session_prefix_ + c.key};
    const auto reply = co_await call(std::move(get));
    if (!reply.is_nil()) {
      auto value = decode(reply.text);
      if (!value) throw Unavailable("a stored session is not a value chatrelay wrote (key " + session_prefix_ + c.key + ")");
      stored = std::move(*value);
    }
  }
  StoredValue next;
  next.turn = c.turn_id;
  next.recent = remember(stored.recent, c.turn_id);
  next.updated_ms = now_ms();
  next.turns = window_after(std::move(stored.turns), c.turns, c.replace, settings_.memory.max_history_messages,
                            settings_.memory.max_session_bytes);
  std::vector<std::string> keys{session_prefix_ + c.key, lock_prefix_ + c.key};
  std::vector<std::string> args{c.turn_id, stored.recent, encode(next), ms(settings_.memory.session_ttl_s), c.lease};
  const auto result = co_await eval(commit_script_, std::move(keys), std::move(args));
  if (result.text == "changed") throw Unavailable("the session changed in Redis while this turn streamed");
}

awaitable<void> RedisStore::commit(Commit c) {
  try {
    co_await commit_once(c);
    co_return;
  } catch (const Unavailable& first) {
    // Once more, in case only the reply was lost (a timeout, a dropped connection): the turn id
    // makes a commit that did go through a no-op.
    log::debug("retrying a commit", {log::kv("reason", first.what())});
  }
  // Reached only after a failure: wait for the client to connect again, within one timeout.
  const auto until = std::chrono::steady_clock::now() + seconds_f(settings_.memory.redis_timeout_s);
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (!client_.connected() && std::chrono::steady_clock::now() < until) {
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(use_tuple);
  }
  co_await commit_once(c);
}

awaitable<std::optional<std::string>> RedisStore::acquire(std::string key) {
  std::string token = random_hex_id();
  std::vector<std::string> args{"SET", lock_prefix_ + key, token, "NX", "PX", std::to_string(lease_.count())};
  std::optional<redis::Reply> reply;
  try {
    reply = co_await call(std::move(args));
  } catch (...) {
    // The SET may still be applied (a timeout, or the client went away while it was on its way):
    // give that lease back once Redis answers, rather than leave the session busy for
    // the lease's whole life.
    release(key, token);
    throw;
  }
  if (reply->is_nil()) co_return std::nullopt;
  co_return token;
}

awaitable<void> RedisStore::renew(std::string key, std::string lease) {
  std::vector<std::string> keys{lock_prefix_ + key};
  std::vector<std::string> args{std::move(lease), std::to_string(lease_.count())};
  co_await eval(renew_script_, std::move(keys), std::move(args));
}

// Given back in the background, and tried again while Redis does not answer, for as long as the
// lease could still be there.
void RedisStore::release(std::string key, std::string lease) {
  if (lease.empty()) return;
  auto give_back = [](RedisStore& self, std::string key, std::string lease) -> awaitable<void> {
    const auto until = std::chrono::steady_clock::now() + self.lease_;
    asio::steady_timer pause(self.ex_);
    for (;;) {
      bool done = false;
      try {
        std::vector<std::string> keys{self.lock_prefix_ + key};
        std::vector<std::string> args{lease};
        co_await self.eval(self.release_script_, std::move(keys), std::move(args));
        done = true;
      } catch (const Unavailable&) {
      }
      if (done || self.client_.stopped() || std::chrono::steady_clock::now() >= until) co_return;
      pause.expires_after(std::chrono::milliseconds(100));
      co_await pause.async_wait(use_tuple);
    }
  };
  asio::co_spawn(ex_, give_back(*this, std::move(key), std::move(lease)), asio::detached);
}

awaitable<Erased> RedisStore::erase(std::string key) {
  std::vector<std::string> keys{session_prefix_ + key, lock_prefix_ + key};
  const auto reply = co_await eval(erase_script_, std::move(keys), {});
  if (reply.integer < 0) co_return Erased::busy;
  co_return reply.integer > 0 ? Erased::erased : Erased::not_found;
}

awaitable<std::optional<double>> RedisStore::take_turn(std::string key) {
  const double rate = settings_.server.session_rate_per_s;
  if (rate <= 0) co_return std::nullopt;
  std::vector<std::string> keys{rate_prefix_ + key};
  const auto reply = co_await eval(rate_script_, std::move(keys), gcra_args(rate, settings_.server.session_burst));
  if (reply.integer <= 0) co_return std::nullopt;
  co_return static_cast<double>(reply.integer) / 1000.0;
}

awaitable<bool> RedisStore::ready() {
  try {
    std::vector<std::string> args{"PING"};
    const auto reply = co_await call(std::move(args));
    co_return reply.text == "PONG";
  } catch (const Unavailable&) {
    co_return false;
  }
}

}  // namespace chatrelay::store
