// host[:port] as URLs write it, split once for every URL-valued key (gemini.base_url,
// server.allowed_origins, memory.redis_url).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chatrelay::config::detail {

struct Authority {
  std::string_view host;              // a name or an IPv4 address, or an IPv6 address without brackets
  std::optional<std::uint16_t> port;  // 1..65535, when given
};

// The host and port of `authority` (no user information): a name ([A-Za-z0-9._-]), an IPv4
// address, or an IPv6 address in brackets, then optionally ':' and a port. nullopt when it is not
// one (an empty host or port, a port out of range, a character a host cannot hold).
std::optional<Authority> split_authority(std::string_view authority);

}  // namespace chatrelay::config::detail
