// Tests for gemini/retry_policy: what is retried, the jittered backoff, RetryInfo, the limits.
#include <catch2/catch.hpp>

#include "../error_code_text.hpp"
#include <limits>

#include "chatrelay/gemini/retry_policy.hpp"

using namespace chatrelay::gemini;
using std::chrono::milliseconds;

namespace {

UpstreamError error(const char* code, std::optional<double> retry_after_s = {},
                    bool per_day = false) {
  UpstreamError e;
  const auto parsed = chatrelay::error_code_from_wire(code);
  REQUIRE(parsed);
  e.code = *parsed;
  e.retry_after_s = retry_after_s;
  e.per_day_quota = per_day;
  return e;
}

constexpr std::uint64_t lowest = 0;
constexpr std::uint64_t highest = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t half = std::uint64_t{1} << 63;

}  // namespace

TEST_CASE("retryable: quota (not daily) and unavailable only") {
  CHECK(retryable(error("quota_exceeded")));
  CHECK(retryable(error("upstream_unavailable")));
  CHECK_FALSE(retryable(error("quota_exceeded", 5.0, true)));
  UpstreamError untrusted = error("upstream_unavailable");
  untrusted.lasting = true;  // a certificate that fails verification will not heal in seconds
  CHECK_FALSE(retryable(untrusted));
  CHECK_FALSE(RetryPolicy{}.next_delay(untrusted, 0, half));
  for (const char* code : {"invalid_api_key", "model_not_found", "bad_request", "upstream_timeout",
                           "upstream_protocol", "blocked", "incomplete", "internal"}) {
    INFO(code);
    CHECK_FALSE(retryable(error(code)));
  }
}

TEST_CASE("RetryPolicy::next_delay") {
  const RetryPolicy policy;  // 2 retries, 20 s wait, 0.25 s base, 8 s cap

  SECTION("not retryable errors and daily quotas are never retried") {
    CHECK_FALSE(policy.next_delay(error("invalid_api_key"), 0, half));
    CHECK_FALSE(policy.next_delay(error("upstream_timeout"), 0, half));
    CHECK_FALSE(policy.next_delay(error("quota_exceeded", 1.0, true), 0, half));
  }
  SECTION("retries are spent after max_retries") {
    CHECK(policy.next_delay(error("upstream_unavailable"), 1, half));
    CHECK_FALSE(policy.next_delay(error("upstream_unavailable"), 2, half));
    CHECK_FALSE(policy.next_delay(error("upstream_unavailable"), 7, half));
    CHECK_FALSE(RetryPolicy{.max_retries = 0}.next_delay(error("upstream_unavailable"), 0, half));
  }
  SECTION("full jitter between 0 and base * 2^attempt") {
    CHECK(policy.next_delay(error("upstream_unavailable"), 0, lowest) == milliseconds(0));
    CHECK(policy.next_delay(error("upstream_unavailable"), 0, half) == milliseconds(125));
    CHECK(policy.next_delay(error("upstream_unavailable"), 0, highest) == milliseconds(250));
    CHECK(policy.next_delay(error("upstream_unavailable"), 1, half) == milliseconds(250));
    CHECK(policy.next_delay(error("upstream_unavailable"), 1, highest) == milliseconds(500));
  }
  SECTION("the backoff is capped at max_backoff_s") {
    const RetryPolicy many{.max_retries = 100};
    CHECK(many.next_delay(error("upstream_unavailable"), 10, highest) == milliseconds(8000));
    CHECK(many.next_delay(error("upstream_unavailable"), 99, highest) == milliseconds(8000));
    CHECK(many.next_delay(error("upstream_unavailable"), 99, half) == milliseconds(4000));
  }
  SECTION("RetryInfo is a floor") {
    CHECK(policy.next_delay(error("quota_exceeded", 5.0), 0, highest) == milliseconds(5000));
    CHECK(policy.next_delay(error("quota_exceeded", 0.0), 1, highest) == milliseconds(500));
    CHECK(policy.next_delay(error("upstream_unavailable", 1.5), 0, lowest) == milliseconds(1500));
    CHECK(policy.next_delay(error("quota_exceeded", 0.0001), 0, lowest) == milliseconds(1));
  }
  SECTION("a delay beyond max_retry_wait_s is not waited for") {
    CHECK(policy.next_delay(error("quota_exceeded", 20.0), 0, lowest) == milliseconds(20000));
    CHECK_FALSE(policy.next_delay(error("quota_exceeded", 58.0), 0, lowest));
    CHECK_FALSE(policy.next_delay(error("quota_exceeded", 34.4), 0, lowest));
    const RetryPolicy impatient{.max_retries = 5, .max_retry_wait_s = 1};
    CHECK(impatient.next_delay(error("upstream_unavailable"), 3, lowest) == milliseconds(0));
    CHECK_FALSE(impatient.next_delay(error("upstream_unavailable"), 3, highest));  // 2 s
  }
}
