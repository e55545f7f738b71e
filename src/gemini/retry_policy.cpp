// Retry decisions for upstream calls that failed before any event: what, how often, how long.
#include "chatrelay/gemini/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace chatrelay::gemini {

bool retryable(const UpstreamError& error) {
  if (error.lasting) return false;
  if (error.code == ErrorCode::quota_exceeded && error.per_day_quota) return false;
  return info(error.code).retryable;
}

std::optional<std::chrono::milliseconds> RetryPolicy::next_delay(const UpstreamError& error,
                                                                 int attempt,
                                                                 std::uint64_t random) const {
  if (!retryable(error) || attempt < 0 || attempt >= max_retries) return std::nullopt;

  // Full jitter: uniform in [0, min(max_backoff, base * 2^attempt)].
  const double backoff = std::min(max_backoff_s, std::ldexp(base_delay_s, std::min(attempt, 62)));
  const double unit = static_cast<double>(random >> 11) * 0x1.0p-53;  // [0, 1)
  double delay_s = backoff * unit;
  // Gemini's RetryInfo is a floor: asking earlier only earns another 429.
  if (error.retry_after_s) delay_s = std::max(delay_s, *error.retry_after_s);
  if (delay_s > max_retry_wait_s) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(delay_s * 1000)));
}

}  // namespace chatrelay::gemini
