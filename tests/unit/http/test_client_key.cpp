// Tests for http/client_key: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by /64.
#include "chatrelay/http/client_key.hpp"

#include <catch2/catch.hpp>

using chatrelay::http::client_key;

namespace {
std::string key(const char* address) { return client_key(asio::ip::make_address(address)); }
}  // namespace

TEST_CASE("client keys") {
  CHECK(key("203.0.113.7") == "203.0.113.7");
  CHECK(key("::ffff:203.0.113.7") == "203.0.113.7");  // a dual-stack socket's IPv4 client
  CHECK(key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
  CHECK(key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");  // same /64, same key
  CHECK(key("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(key("::1") == "::/64");
}
