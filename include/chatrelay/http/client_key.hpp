// The key a client's per-address limits are counted under (rate limit, concurrent streams).
#pragma once

#include <string>

#include "chatrelay/core/asio.hpp"

namespace chatrelay::http {

// An IPv4 address as itself; an IPv4-mapped IPv6 address as its IPv4 address; any other IPv6
// address as its /64 ("2001:db8:1:2::/64"): one host is usually given a whole /64, and keyed by
// the full address it could take a fresh bucket for every request.
std::string client_key(const asio::ip::address& address);

}  // namespace chatrelay::http
