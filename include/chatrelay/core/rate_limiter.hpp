// Token buckets by key (client IP, session id): `rate` tokens per second, up to `burst` saved.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatrelay {

class RateLimiter {
 public:
  using clock = std::chrono::steady_clock;

  // rate 0 disables the limiter. At most `max_keys` buckets are kept: when full, buckets that
  // have refilled (idle clients) are dropped first, then those nearest to full, never one that
  // is emptier than a bucket kept.
  RateLimiter(double rate_per_s, double burst, std::size_t max_keys = 100000);

  bool enabled() const { return rate_ > 0; }
  // Takes one token for `key`: nullopt when allowed, else the seconds until one is available.
  std::optional<double> acquire(std::string_view key, clock::time_point now = clock::now());
  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    clock::time_point updated;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Bucket, Hash, std::equal_to<>>;
  double tokens_at(const Bucket& b, clock::time_point now) const;
  void prune(clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_keys_;
  Map buckets_;
};

}  // namespace chatrelay
