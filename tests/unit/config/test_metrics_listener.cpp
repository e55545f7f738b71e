// metrics_listener(): the separate metrics port listens on metrics_host, 127.0.0.1 by default, and
// asks for the bearer tokens wherever other machines can reach it.
#include <catch2/catch.hpp>

#include "chatrelay/config/metrics_listener.hpp"

using namespace chatrelay::config;

TEST_CASE("metrics_listener: private by default, tokens wherever it is reachable") {
  ServerSettings server;
  server.host = "0.0.0.0";
  server.port = 8000;
  server.metrics_port = 9100;
  server.auth_tokens = {"0123456789abcdef-token"};
  const ServerSettings by_default = metrics_listener(server);
  CHECK(by_default.host == "127.0.0.1");
  CHECK(by_default.port == 9100);
  CHECK(by_default.auth_tokens.empty());  // only this machine reaches it

  for (const char* reachable : {"0.0.0.0", "::", "10.1.2.3", "metrics.internal"}) {
    INFO(reachable);
    server.metrics_host = reachable;
    const ServerSettings exposed = metrics_listener(server);
    CHECK(exposed.host == reachable);
    CHECK(exposed.auth_tokens == server.auth_tokens);
  }
  server.metrics_host = "::1";
  CHECK(metrics_listener(server).auth_tokens.empty());
}
