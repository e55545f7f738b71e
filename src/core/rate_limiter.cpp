// RateLimiter: lazily refilled token buckets in a bounded map.
#include "chatrelay/core/rate_limiter.hpp"

#include <algorithm>
#include <vector>

namespace chatrelay {

RateLimiter::RateLimiter(double rate_per_s, double burst, std::size_t max_keys)
    : rate_(rate_per_s), burst_(std::max(burst, 1.0)), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

double RateLimiter::tokens_at(const Bucket& b, clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  return std::min(burst_, b.tokens + std::max(elapsed, 0.0) * rate_);
}

std::optional<double> RateLimiter::acquire(std::string_view key, clock::time_point now) {
  if (!enabled()) return std::nullopt;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) prune(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = tokens_at(b, now);
  b.updated = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return (1.0 - b.tokens) / rate_;
}

void RateLimiter::prune(clock::time_point now) {
  // A bucket that has refilled says nothing a fresh one would not: those go first.
  std::erase_if(buckets_, [&](const auto& entry) { return tokens_at(entry.second, now) >= burst_; });
  if (buckets_.size() < max_keys_) return;
  // Still full: a flood of keys that all spent tokens just now. The buckets nearest to full go
  // (they hold the least back), down to 7/8 of the cap, so that the next prune is max_keys/8 new
  // keys away; a client held back by an empty bucket stays held back, however many keys come.
  std::vector<std::pair<double, Map::iterator>> by_tokens;
  by_tokens.reserve(buckets_.size());
  for (auto it = buckets_.begin(); it != buckets_.end(); ++it) by_tokens.emplace_back(tokens_at(it->second, now), it);
  const std::size_t drop = buckets_.size() - max_keys_ * 7 / 8;
  std::nth_element(by_tokens.begin(), by_tokens.begin() + static_cast<std::ptrdiff_t>(drop) - 1, by_tokens.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < drop; ++i) buckets_.erase(by_tokens[i].second);
}

}  // namespace chatrelay
