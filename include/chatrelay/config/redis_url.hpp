// memory.redis_url: `redis://[[user]:password@]host[:port][/db]` split into its parts (DESIGN.md §2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatrelay::config {

struct RedisUrl {
  bool tls = false;      // rediss://
  std::string host;      // a name or an address; IPv6 without its brackets
  std::uint16_t port = 6379;
  std::string user;      // empty: AUTH with the password alone (Redis before 6, or "default")
  std::string password;  // secret; empty: no AUTH
  int db = 0;            // SELECT, 0..2147483647
};

// The URL's parts, percent-decoded in the user and password; nullopt when it is not such a URL.
std::optional<RedisUrl> parse_redis_url(std::string_view url);

// The URL again without its password, for messages and logs.
std::string redacted(const RedisUrl& url);

}  // namespace chatrelay::config
