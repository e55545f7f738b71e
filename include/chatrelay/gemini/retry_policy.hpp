// When and how long to wait before retrying an upstream call that failed before any event.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "chatrelay/gemini/events.hpp"

namespace chatrelay::gemini {

struct RetryPolicy {
  int max_retries = 2;
  double max_retry_wait_s = 20;
  double base_delay_s = 0.25;  // first backoff; doubles each attempt, full jitter
  double max_backoff_s = 8;

  // Delay before attempt `attempt + 1` (attempt counts from 0 = first try) after `error`, or
  // nullopt when it must not be retried: not a 429/5xx/connect failure, retries spent, a per-day
  // quota, a lasting failure (a certificate that fails verification), or a RetryInfo delay beyond
  // max_retry_wait_s. `random` is a uniform 64-bit value.
  std::optional<std::chrono::milliseconds> next_delay(const UpstreamError& error, int attempt,
                                                      std::uint64_t random) const;
};

bool retryable(const UpstreamError& error);

}  // namespace chatrelay::gemini
