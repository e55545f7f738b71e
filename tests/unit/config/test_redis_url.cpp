// Tests for config/redis_url: every form of memory.redis_url, and what is not one.
#include "chatrelay/config/redis_url.hpp"

#include <catch2/catch.hpp>

using chatrelay::config::parse_redis_url;
using chatrelay::config::redacted;

TEST_CASE("redis_url: host, port, database, user and password") {
  auto u = parse_redis_url("redis://127.0.0.1:6379/0");
  REQUIRE(u);
  CHECK((u->host == "127.0.0.1" && u->port == 6379 && u->db == 0 && u->password.empty() && !u->tls));
  u = parse_redis_url("redis://:s%40cret@cache.internal/5");
  REQUIRE(u);
  CHECK((u->host == "cache.internal" && u->port == 6379 && u->db == 5 && u->user.empty() && u->password == "s@cret"));
  u = parse_redis_url("redis://app:p@ss@[::1]:7000");
  REQUIRE(u);
  CHECK((u->host == "::1" && u->port == 7000 && u->user == "app" && u->password == "p@ss"));
  u = parse_redis_url("rediss://redis");
  REQUIRE(u);
  CHECK((u->tls && u->host == "redis"));
}

TEST_CASE("redis_url: what is not such a URL") {
  for (const char* bad : {"", "http://h", "redis://", "redis://h:0", "redis://h:70000", "redis://h:", "redis://h/x",
                          "redis://h/1/2", "redis://user@h", "redis://:%zz@h", "redis://h h", "redis://[::1",
                          "redis://h?db=1"}) {
    INFO(bad);
    CHECK_FALSE(parse_redis_url(bad));
  }
}

TEST_CASE("redis_url: redacted keeps everything but the password") {
  CHECK(redacted(*parse_redis_url("redis://:secret@h:1/2")) == "redis://:***@h:1/2");
  CHECK(redacted(*parse_redis_url("redis://h")) == "redis://h:6379/0");
}
