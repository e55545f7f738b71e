// Tests for redis/client against a real redis-server: calls, pipelining, the timeout, a lost and
// regained server, AUTH, scripts reloaded after NOSCRIPT, the in-flight bound.
#include "chatrelay/redis/client.hpp"

#include <catch2/catch.hpp>

#include <exception>
#include <optional>

#include "redis_server.hpp"

using namespace chatrelay;
using namespace std::chrono_literals;
using redis::Client;
using redis::Reply;

namespace {

redis::ClientOptions options(std::uint16_t port, std::string password = {}) {
  redis::ClientOptions o;
  o.endpoint.port = port;
  o.endpoint.password = std::move(password);
  o.timeout = 1s;
  o.max_backoff = 200ms;
  return o;
}

Reply call(asio::io_context& io, Client& c, std::vector<std::string> args) { return run(io, c.call(std::move(args))); }

// Waits (running the loop) until the client has connected again.
bool wait_connected(asio::io_context& io, Client& c) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!c.connected() && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  return c.connected();
}

// A server and a client started on it, for the tests that need no other setup.
struct Started {
  explicit Started(std::size_t max_in_flight = 4096) : client(io, with_bound(max_in_flight)) {
    run_void(io, client.start());
  }
  redis::ClientOptions with_bound(std::size_t max_in_flight) {
    auto o = options(server.port());
    o.max_in_flight = max_in_flight;
    return o;
  }
  RedisServer server;
  asio::io_context io;
  Client client;
};

}  // namespace

TEST_CASE("client: calls and pipelined calls answer in order") {
  REQUIRE_REDIS_SERVER();
  Started started;
  auto& [server, io, c] = started;
  CHECK(call(io, c, {"SET", "k", std::string("a\0b", 3)}).text == "OK");
  CHECK(call(io, c, {"GET", "k"}).text == std::string("a\0b", 3));
  CHECK(call(io, c, {"GET", "missing"}).is_nil());
  CHECK(call(io, c, {"INCR", "k"}).is_error());

  // 200 calls in flight at once: each gets its own reply.
  std::vector<std::int64_t> got(200, -1);
  int done = 0;
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(io, [&, i]() -> awaitable<void> {
      std::vector<std::string> args{"INCRBY", i % 2 ? "n1" : "n0", std::to_string(i)};
      auto r = co_await c.call(std::move(args));
      got[static_cast<std::size_t>(i)] = r.integer;
      ++done;
    }, asio::detached);
  }
  while (done < 200) io.run_one();
  std::int64_t sum0 = 0, sum1 = 0;
  for (int i = 0; i < 200; ++i) (i % 2 ? sum1 : sum0) += i;
  CHECK(call(io, c, {"GET", "n0"}).text == std::to_string(sum0));
  CHECK(call(io, c, {"GET", "n1"}).text == std::to_string(sum1));
  CHECK(got[199] <= sum1);
}

TEST_CASE("client: a call past the timeout fails, and the client connects again") {
  REQUIRE_REDIS_SERVER();
  Started started;
  auto& [server, io, c] = started;
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(call(io, c, {"DEBUG", "SLEEP", "2"}), redis::Unavailable);
  CHECK(std::chrono::steady_clock::now() - start < 1900ms);
  REQUIRE(wait_connected(io, c));
  CHECK(call(io, c, {"PING"}).text == "PONG");
}

TEST_CASE("client: a killed server fails calls; a restarted one is found again") {
  REQUIRE_REDIS_SERVER();
  Started started;
  auto& [server, io, c] = started;
  CHECK(call(io, c, {"PING"}).text == "PONG");
  server.stop();
  CHECK_THROWS_AS(call(io, c, {"PING"}), redis::Unavailable);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (c.connected() && std::chrono::steady_clock::now() < until) io.run_one_for(50ms);
  CHECK_THROWS_AS(call(io, c, {"PING"}), redis::Unavailable);  // not connected: fails at once
  server.start();
  REQUIRE(wait_connected(io, c));
  CHECK(call(io, c, {"PING"}).text == "PONG");
}

TEST_CASE("client: AUTH with the right password; a wrong or missing one is AuthFailed") {
  REQUIRE_REDIS_SERVER();
  RedisServer server("s3cret-pass");
  asio::io_context io;
  {
    Client c(io, options(server.port(), "s3cret-pass"));
    run_void(io, c.start());
    CHECK(call(io, c, {"PING"}).text == "PONG");
  }
  {
    Client c(io, options(server.port(), "wrong"));
    CHECK_THROWS_AS(run_void(io, c.start()), redis::AuthFailed);
  }
  {
    Client c(io, options(server.port()));
    CHECK_THROWS_AS(run_void(io, c.start()), redis::AuthFailed);
  }
}

TEST_CASE("client: SELECT from the URL's database") {
  REQUIRE_REDIS_SERVER();
  RedisServer server;
  asio::io_context io;
  auto o = options(server.port());
  o.endpoint.db = 3;
  Client c(io, o);
  run_void(io, c.start());
  call(io, c, {"SET", "in3", "x"});
  Client c0(io, options(server.port()));
  run_void(io, c0.start());
  CHECK(call(io, c0, {"GET", "in3"}).is_nil());
  CHECK(call(io, c, {"GET", "in3"}).text == "x");
}

TEST_CASE("client: a script is loaded again after SCRIPT FLUSH (as after a restart)") {
  REQUIRE_REDIS_SERVER();
  Started started;
  auto& [server, io, c] = started;
  redis::Script script{"return redis.call('INCR', KEYS[1]) + tonumber(ARGV[1])", ""};
  CHECK(run(io, c.eval(script, {"x"}, {"10"})).integer == 11);
  CHECK_FALSE(script.sha.empty());
  call(io, c, {"SCRIPT", "FLUSH"});
  CHECK(run(io, c.eval(script, {"x"}, {"10"})).integer == 12);
}

TEST_CASE("client: calls past max_in_flight fail at once") {
  REQUIRE_REDIS_SERVER();
  Started started(4);
  auto& [server, io, c] = started;
  int refused = 0, answered = 0;
  for (int i = 0; i < 10; ++i) {
    asio::co_spawn(io, [&]() -> awaitable<void> {
      try {
        std::vector<std::string> args{"PING"};
        co_await c.call(std::move(args));
        ++answered;
      } catch (const redis::Unavailable&) {
        ++refused;
      }
    }, asio::detached);
  }
  while (refused + answered < 10) io.run_one();
  CHECK(answered == 4);
  CHECK(refused == 6);
}
