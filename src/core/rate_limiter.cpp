// RateLimiter: lazily refilled token buckets in a bounded map.
#include "chatrelay/core/rate_limiter.hpp"

#include <algorithm>

namespace chatrelay {

RateLimiter::RateLimiter(double rate_per_s, double burst, std::size_t max_keys)
    : rate_(rate_per_s), burst_(std::max(burst, 1.0)), max_keys_(max_keys) {}

std::optional<double> RateLimiter::acquire(std::string_view key, clock::time_point now) {
  if (!enabled()) return std::nullopt;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) prune(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min(burst_, b.tokens + std::max(elapsed, 0.0) * rate_);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return (1.0 - b.tokens) / rate_;
}

void RateLimiter::prune(clock::time_point now) {
  // A bucket that has refilled says nothing a fresh one would not: drop those first.
  std::erase_if(buckets_, [&](const auto& entry) {
    double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * rate_ >= burst_;
  });
  if (buckets_.size() >= max_keys_) buckets_.clear();  // a flood of distinct keys: start over
}

}  // namespace chatrelay
