// What the fake remembers between requests: counters, the last streaming requests, and the queue
// of scenarios set through the control endpoints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::fake {

struct Stats {
  std::uint64_t connections = 0;  // accepted
  std::uint64_t handshakes = 0;   // completed full TLS handshakes
  std::uint64_t resumed = 0;      // completed resumed TLS handshakes
  std::uint64_t requests = 0;     // streaming requests
  std::int64_t open_streams = 0;  // streaming answers in progress
  std::int64_t open_connections = 0;
  std::uint64_t h2_connections = 0;  // connections that chose h2
  std::uint64_t stream_resets = 0;   // h2 streams the client reset (RST_STREAM)
};

struct RecordedRequest {
  std::string model;
  std::string path;  // target, with the query
  std::string body;
  bool body_is_json = false;
  bool api_key_present = false;
  std::size_t api_key_length = 0;  // the key itself is never kept
};

class State {
 public:
  static constexpr std::size_t max_requests = 100;

  Stats stats;

  void record(RecordedRequest r);
  void clear_requests() { requests_.clear(); }

  void set_queue(std::vector<std::string> names) { queue_.assign(names.begin(), names.end()); }
  void clear_queue() { queue_.clear(); }
  // The next queued scenario, removed from the queue.
  std::optional<std::string> next_queued();

  std::string stats_json() const;
  std::string requests_json() const;
  std::string queue_json() const;  // {"queue":[...],"scenarios":[...]}

 private:
  std::deque<RecordedRequest> requests_;
  std::deque<std::string> queue_;
};

// Increments a gauge for as long as it lives.
class GaugeGuard {
 public:
  explicit GaugeGuard(std::int64_t& gauge) : gauge_(gauge) { ++gauge_; }
  ~GaugeGuard() { --gauge_; }
  GaugeGuard(const GaugeGuard&) = delete;
  GaugeGuard& operator=(const GaugeGuard&) = delete;

 private:
  std::int64_t& gauge_;
};

}  // namespace chatrelay::fake
