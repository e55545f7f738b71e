// Backend: the Redis client made from memory.redis_url, its first connection, and the store.
#include "chatrelay/store/backend.hpp"

#include <exception>

#include "chatrelay/config/redis_url.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/redis/client.hpp"
#include "chatrelay/store/memory_store.hpp"
#include "chatrelay/store/redis_limits.hpp"
#include "chatrelay/store/redis_store.hpp"

namespace chatrelay::store {
namespace {

std::unique_ptr<redis::Client> redis_client(asio::io_context& io, const config::MemorySettings& memory) {
  if (memory.store != config::MemorySettings::Store::redis) return nullptr;
  const auto url = config::parse_redis_url(memory.redis_url);  // checked by the loader
  redis::ClientOptions o;
  o.endpoint = {url->host, url->port, url->user, url->password, url->db};
  o.tls = url->tls;
  o.ca_file = memory.redis_ca_file;
  o.timeout = seconds_f(memory.redis_timeout_s);
  // A whole session (max_session_bytes of turns, as JSON) is the largest reply.
  o.max_reply_bytes = memory.max_session_bytes * 2 + (1u << 20);
  return std::make_unique<redis::Client>(io, std::move(o));
}

}  // namespace

Backend::Backend(asio::io_context& io, const config::Settings& settings, memory::SessionStore& sessions)
    : io_(io), settings_(settings), redis_(redis_client(io, settings.memory)) {
  if (redis_) {
    store_ = std::make_unique<RedisStore>(io.get_executor(), *redis_, settings);
    limits_ = std::make_unique<RedisLimits>(io.get_executor(), *redis_, settings);
  } else {
    store_ = std::make_unique<MemoryStore>(sessions, settings.server.session_rate_per_s, settings.server.session_burst);
  }
}

Backend::~Backend() = default;

SharedLimits* Backend::shared_limits() { return limits_.get(); }

void Backend::stop() {
  if (limits_) limits_->stop();
  if (redis_) redis_->stop();
}

void Backend::connect() {
  if (!redis_) return;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io_, redis_->start(), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  while (!done) io_.run_one();
  const std::string where = config::redacted(*config::parse_redis_url(settings_.memory.redis_url));
  if (!error) {
    log::info("connected to Redis", {log::kv("redis_url", where)});
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const redis::CertificateRejected& e) {
    throw Refused("Redis at " + where + ": " + e.what() + "; fix memory.redis_ca_file (or REDIS_CA_FILE)");
  } catch (const redis::AuthFailed& e) {
    throw Refused("Redis at " + where + ": " + e.what() + "; fix memory.redis_url (or REDIS_URL)");
  } catch (const redis::Unavailable& e) {
    // Not fatal: Redis may start after chatrelay. /ready says 503 and turns end with
    // history_unavailable until it answers; never a silent fall back to memory.
    log::warn("Redis does not answer yet; retrying in the background",
              {log::kv("redis_url", where), log::kv("reason", e.what())});
  }
}

}  // namespace chatrelay::store
