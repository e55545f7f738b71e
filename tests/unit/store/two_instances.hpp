// Test support: two "instances" — two Redis clients, connected — on one real redis-server, with
// the settings their stores are made from.
#pragma once

#include <memory>
#include <vector>

#include "../redis/redis_server.hpp"
#include "chatrelay/config/settings.hpp"

struct TwoInstances {
  TwoInstances() { settings.memory.redis_prefix = "t:"; }
  // Connects both clients (after the test has set what it needs in `settings`).
  void connect() {
    chatrelay::redis::ClientOptions o;
    o.endpoint.port = server.port();
    o.timeout = std::chrono::seconds(1);
    for (int i = 0; i < 2; ++i) {
      clients.push_back(std::make_unique<chatrelay::redis::Client>(io, o));
      run_void(io, clients.back()->start());
    }
  }
  chatrelay::redis::Reply raw(std::vector<std::string> args) { return run(io, clients[0]->call(std::move(args))); }

  RedisServer server;
  asio::io_context io;
  chatrelay::config::Settings settings;
  std::vector<std::unique_ptr<chatrelay::redis::Client>> clients;
};
