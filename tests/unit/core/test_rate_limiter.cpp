// Tests for core/rate_limiter: burst, refill, per-key isolation, bounded key count.
#include "chatrelay/core/rate_limiter.hpp"

#include <catch2/catch.hpp>

using chatrelay::RateLimiter;
using namespace std::chrono_literals;

TEST_CASE("a disabled limiter allows everything") {
  RateLimiter off(0, 1);
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(off.acquire("k"));
  CHECK(off.size() == 0);
}

TEST_CASE("burst, then the rate, per key") {
  RateLimiter limiter(2, 3);  // 2/s, burst 3
  auto t0 = RateLimiter::clock::now();
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.acquire("a", t0));
  auto wait = limiter.acquire("a", t0);
  REQUIRE(wait);
  CHECK(*wait == Approx(0.5));
  CHECK_FALSE(limiter.acquire("b", t0));  // other keys are unaffected
  CHECK(limiter.acquire("a", t0 + 400ms));
  CHECK_FALSE(limiter.acquire("a", t0 + 500ms));
  CHECK(limiter.acquire("a", t0 + 500ms));
  // A long idle period refills only up to the burst.
  auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) CHECK_FALSE(limiter.acquire("a", later));
  CHECK(limiter.acquire("a", later));
}

TEST_CASE("the number of buckets stays bounded") {
  RateLimiter limiter(1, 1, 100);
  auto t = RateLimiter::clock::now();
  for (int i = 0; i < 10000; ++i) {
    limiter.acquire("ip" + std::to_string(i), t);
    REQUIRE(limiter.size() <= 100);
  }
  // Refilled buckets go first: an active client keeps its state while idle ones are dropped.
  RateLimiter keeps(1, 1, 3);
  CHECK_FALSE(keeps.acquire("busy", t));
  CHECK_FALSE(keeps.acquire("idle1", t - 10s));
  CHECK_FALSE(keeps.acquire("idle2", t - 10s));
  CHECK_FALSE(keeps.acquire("new", t));
  CHECK(keeps.acquire("busy", t));  // still empty: it was not pruned
}

TEST_CASE("a flood of new keys neither resets a spent bucket nor grows the map") {
  // A client that spent its burst cannot start over by making the limiter forget it: when the
  // map is full of buckets that were all just used, the fullest ones go, not everyone's.
  RateLimiter limiter(1, 10, 100);
  auto t = RateLimiter::clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(limiter.acquire("spender", t));
  CHECK(limiter.acquire("spender", t));
  for (int i = 0; i < 10000; ++i) {
    limiter.acquire("flood" + std::to_string(i), t);
    REQUIRE(limiter.size() <= 100);
  }
  CHECK(limiter.acquire("spender", t));  // still held back
  CHECK(limiter.size() >= 87);           // pruned down to 7/8 at a time, not emptied
}

#include "chatrelay/core/constant_time.hpp"

TEST_CASE("constant_time_equal") {
  using chatrelay::constant_time_equal;
  CHECK(constant_time_equal("secret-token-123", "secret-token-123"));
  CHECK_FALSE(constant_time_equal("secret-token-123", "secret-token-124"));
  CHECK_FALSE(constant_time_equal("secret-token-123", "secret-token-12"));
  CHECK_FALSE(constant_time_equal("secret-token-123", "secret-token-1234"));
  CHECK_FALSE(constant_time_equal("secret-token-123", ""));
  CHECK(constant_time_equal("", ""));
}
