// Tests for store/redis_store against a real redis-server: history across store objects (as
// across instances), TTL on every key, a retried commit applied once, the lease, erase, the
// shared rate limit, and a stopped Redis as Unavailable.
#include "chatrelay/store/redis_store.hpp"

#include <catch2/catch.hpp>

#include "two_instances.hpp"

using namespace chatrelay;
using namespace std::chrono_literals;
using memory::Role;

namespace {

// Two "instances": two clients and two stores on one Redis.
struct Fixture : TwoInstances {
  Fixture() {
    settings.memory.session_ttl_s = 100;
    settings.server.session_rate_per_s = 1;
    settings.server.session_burst = 2;
    connect();
    for (auto& c : clients) stores.push_back(std::make_unique<store::RedisStore>(io.get_executor(), *c, settings));
  }
  std::string history(int i, const std::string& key) {
    auto s = run(io, stores[static_cast<std::size_t>(i)]->read(key));
    std::string out;
    if (s)
      for (const auto& t : s->turns) out += (t.role == Role::user ? "u:" : "m:") + t.text + " ";
    return out;
  }
  store::Commit commit(const std::string& key, const std::string& id, std::string lease = {}) {
    store::Commit c;
    c.key = key;
    c.turn_id = id;
    c.turns = {{Role::user, "q" + id}, {Role::model, "a" + id}};
    c.lease = std::move(lease);
    return c;
  }

  std::vector<std::unique_ptr<store::RedisStore>> stores;
};

}  // namespace

TEST_CASE("redis_store: a turn committed by one instance is the history of the other") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  CHECK_FALSE(run(f.io, f.stores[0]->read("s1")));
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));
  CHECK(f.history(1, "s1") == "u:qt1 m:at1 ");
  run_void(f.io, f.stores[1]->commit(f.commit("s1", "t2")));
  CHECK(f.history(0, "s1") == "u:qt1 m:at1 u:qt2 m:at2 ");
}

TEST_CASE("redis_store: every key has a TTL") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  auto lease = run(f.io, f.stores[0]->acquire("s1"));
  REQUIRE(lease);
  CHECK(run(f.io, f.stores[0]->take_turn("s1")) == std::nullopt);
  auto keys = f.raw({"KEYS", "t:*"});
  CHECK(keys.elements.size() == 2);  // the lease and the rate limit
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));
  keys = f.raw({"KEYS", "t:*"});
  REQUIRE(keys.elements.size() == 3);
  for (const auto& k : keys.elements) {
    INFO(k.text);
    const auto ttl = f.raw({"PTTL", k.text}).integer;
    CHECK(ttl > 0);
    if (k.text == "t:s:s1") CHECK(ttl > 99000);  // session_ttl_s
  }
}

TEST_CASE("redis_store: a retried commit is applied once, and a stale one never") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));  // the same turn again
  CHECK(f.history(0, "s1") == "u:qt1 m:at1 ");
  run_void(f.io, f.stores[1]->commit(f.commit("s1", "t2")));
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));  // t1's retry after t2: no rollback
  CHECK(f.history(0, "s1") == "u:qt1 m:at1 u:qt2 m:at2 ");
}

TEST_CASE("redis_store: a commit builds on the history its turn read, and not on a stale one") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1")));
  auto read = run(f.io, f.stores[0]->read("s1"));
  REQUIRE(read);
  auto on_read = f.commit("s1", "t2");
  on_read.base = read;
  on_read.base_read = true;
  run_void(f.io, f.stores[0]->commit(on_read));
  CHECK(f.history(1, "s1") == "u:qt1 m:at1 u:qt2 m:at2 ");
  // Built on the read before t2: refused, and nothing written.
  auto stale = f.commit("s1", "t3");
  stale.base = read;
  stale.base_read = true;
  CHECK_THROWS_AS(run_void(f.io, f.stores[1]->commit(stale)), store::Unavailable);
  CHECK(f.history(1, "s1") == "u:qt1 m:at1 u:qt2 m:at2 ");
}

TEST_CASE("redis_store: the lease — one holder across instances, released by the commit") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  auto a = run(f.io, f.stores[0]->acquire("s1"));
  REQUIRE(a);
  CHECK_FALSE(run(f.io, f.stores[1]->acquire("s1")));
  CHECK(run(f.io, f.stores[1]->erase("s1")) == store::Erased::busy);
  const auto ttl = f.raw({"PTTL", "t:lock:s1"}).integer;
  CHECK((ttl > 0 && ttl <= 15000));
  run_void(f.io, f.stores[0]->renew("s1", *a));
  run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1", *a)));
  CHECK(f.raw({"EXISTS", "t:lock:s1"}).integer == 0);
  auto b = run(f.io, f.stores[1]->acquire("s1"));
  REQUIRE(b);
  f.stores[1]->release("s1", *b);
  while (f.raw({"EXISTS", "t:lock:s1"}).integer == 1) f.io.run_one_for(10ms);
  CHECK(run(f.io, f.stores[0]->erase("s1")) == store::Erased::erased);
  CHECK(run(f.io, f.stores[0]->erase("s1")) == store::Erased::not_found);
  CHECK_FALSE(run(f.io, f.stores[0]->read("s1")));
}

TEST_CASE("redis_store: the session rate limit is shared by the instances") {
  REQUIRE_REDIS_SERVER();
  Fixture f;  // 1 per second, burst 2
  CHECK_FALSE(run(f.io, f.stores[0]->take_turn("s1")));
  CHECK_FALSE(run(f.io, f.stores[1]->take_turn("s1")));
  auto wait = run(f.io, f.stores[0]->take_turn("s1"));
  REQUIRE(wait);
  CHECK((*wait > 0 && *wait <= 1.0));
  CHECK(run(f.io, f.stores[1]->take_turn("s1")));
  CHECK_FALSE(run(f.io, f.stores[1]->take_turn("other")));
}

TEST_CASE("redis_store: a stopped Redis is Unavailable, and ready() says so") {
  REQUIRE_REDIS_SERVER();
  Fixture f;
  CHECK(run(f.io, f.stores[0]->ready()));
  f.server.stop();
  CHECK_THROWS_AS(run(f.io, f.stores[0]->read("s1")), store::Unavailable);
  CHECK_THROWS_AS(run_void(f.io, f.stores[0]->commit(f.commit("s1", "t1"))), store::Unavailable);
  CHECK_FALSE(run(f.io, f.stores[0]->ready()));
}
