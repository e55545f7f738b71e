// Tests for store/redis_limits against a real redis-server: the per-address rate and stream cap
// shared by two instances, a slot given back, a slot renewed past its lease, an unrenewed one
// (a crashed instance's) expiring, and a stopped Redis letting requests through.
#include "chatrelay/store/redis_limits.hpp"

#include <catch2/catch.hpp>

#include "two_instances.hpp"

using namespace chatrelay;
using namespace std::chrono_literals;

namespace {

struct Fixture : TwoInstances {
  Fixture() {
    settings.memory.redis_lease_s = 1;
    settings.server.ip_rate_per_s = 0.01;
    settings.server.ip_burst = 2;
    settings.server.max_streams_per_ip = 1;
    connect();
    for (auto& c : clients) limits.push_back(std::make_unique<store::RedisLimits>(io.get_executor(), *c, settings));
  }
  ~Fixture() {
    for (auto& l : limits) l->stop();
  }
  void wait(std::chrono::milliseconds d) {
    asio::steady_timer t(io, d);
    bool done = false;
    t.async_wait([&](asio::error_code) { done = true; });
    while (!done) io.run_one();
  }

  std::vector<std::unique_ptr<store::RedisLimits>> limits;
};

}  // namespace

TEST_CASE("redis_limits: the per-address rate is one bucket for both instances") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  CHECK_FALSE(run(f.io, f.limits[0]->take_request("10.0.0.1")));
  CHECK_FALSE(run(f.io, f.limits[1]->take_request("10.0.0.1")));
  const auto wait = run(f.io, f.limits[0]->take_request("10.0.0.1"));
  REQUIRE(wait);
  CHECK(*wait > 90);  // one request per 100 s
  CHECK(run(f.io, f.limits[1]->take_request("10.0.0.1")));
  CHECK_FALSE(run(f.io, f.limits[1]->take_request("10.0.0.2")));  // another address
  const auto ttl = f.raw({"PTTL", "t:rate:ip:10.0.0.1"}).integer;
  CHECK((ttl > 0 && ttl <= 200001));  // until the bucket is full again
}

TEST_CASE("redis_limits: a stream slot taken on one instance is taken on the other until given back") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  const auto a = run(f.io, f.limits[0]->open_stream("10.0.0.1"));
  REQUIRE(a);
  CHECK(*a != 0);
  CHECK_FALSE(run(f.io, f.limits[1]->open_stream("10.0.0.1")));
  CHECK(run(f.io, f.limits[1]->open_stream("10.0.0.2")));
  CHECK(f.raw({"ZSCORE", "t:streams:ip:10.0.0.1", f.limits[0]->member(*a)}).type == redis::Reply::Type::string);
  f.limits[0]->close_stream(*a);
  f.wait(50ms);
  CHECK(f.raw({"EXISTS", "t:streams:ip:10.0.0.1"}).integer == 0);
  CHECK(run(f.io, f.limits[1]->open_stream("10.0.0.1")));
}

TEST_CASE("redis_limits: a held slot is renewed past its lease; one nobody renews expires") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  REQUIRE(run(f.io, f.limits[0]->open_stream("10.0.0.1")));
  f.wait(1500ms);  // past the 1 s lease: renewed every third of it
  CHECK_FALSE(run(f.io, f.limits[1]->open_stream("10.0.0.1")));
  f.limits[0]->stop();  // as a crashed instance: no renewal, nothing given back
  f.wait(1200ms);
  CHECK(run(f.io, f.limits[1]->open_stream("10.0.0.1")));
}

TEST_CASE("redis_limits: a thousand held slots are renewed in a few calls a round, none lost") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  constexpr int n = 1100;  // more than two calls' worth
  for (int i = 0; i < n; ++i) REQUIRE(run(f.io, f.limits[0]->open_stream("10.1." + std::to_string(i))));
  auto evalsha_calls = [&] {
    const std::string info = f.raw({"INFO", "commandstats"}).text;
    const auto at = info.find("cmdstat_evalsha:calls=");
    return at == std::string::npos ? 0L : std::stol(info.substr(at + 22));
  };
  const long before = evalsha_calls();
  f.wait(1500ms);  // past the 1 s lease: about four rounds of renewal
  const long renewals = evalsha_calls() - before;
  CHECK(renewals >= 2 * 3);   // three calls a round (512 slots a call), two rounds at least
  CHECK(renewals <= 5 * 3);   // not one call per slot
  for (int i : {0, 511, 512, 1023, 1024, n - 1})
    CHECK_FALSE(run(f.io, f.limits[1]->open_stream("10.1." + std::to_string(i))));
}

TEST_CASE("redis_limits: a Redis that does not answer lets requests and streams through") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  f.server.stop();
  for (int i = 0; i < 3; ++i) CHECK_FALSE(run(f.io, f.limits[0]->take_request("10.0.0.1")));
  const auto slot = run(f.io, f.limits[0]->open_stream("10.0.0.1"));
  REQUIRE(slot);
  CHECK(*slot == 0);
}
