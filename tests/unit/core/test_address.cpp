// Tests for core/address.hpp: which listening addresses only this machine reaches.
#include <catch2/catch.hpp>

#include "chatrelay/core/address.hpp"

using chatrelay::is_loopback_host;

TEST_CASE("is_loopback_host") {
  for (const char* loopback : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"}) {
    INFO(loopback);
    CHECK(is_loopback_host(loopback));
  }
  for (const char* reachable : {"0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "example.com", "", "128.0.0.1",
                                "::ffff:10.0.0.1", "[::]"}) {
    INFO(reachable);
    CHECK_FALSE(is_loopback_host(reachable));
  }
}
