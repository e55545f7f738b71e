// Process-wide counters, gauges and histograms, rendered in Prometheus text format (0.0.4).
// One event loop touches them, so they are plain integers: no atomics, no locks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/core/error_code.hpp"

namespace chatrelay::metrics {

class Histogram {
 public:
  // Upper bounds in seconds, from 0.5 ms to 2 minutes.
  static constexpr std::array<double, 16> bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                    0.25,   0.5,   1,      2.5,   5,    10,    30,    120};
  void observe(double seconds);
  void render(std::string& out, std::string_view name, std::string_view labels = {}) const;

 private:
  std::array<std::uint64_t, bounds.size()> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

struct Registry {
  // HTTP
  struct RequestCount {
    std::string_view route;  // a route path (static), "preflight" or "unmatched"
    int status;
    std::uint64_t count;
  };
  std::vector<RequestCount> requests;
  std::int64_t connections_active = 0;
  std::int64_t streams_active = 0;
  std::uint64_t streams_complete = 0;
  std::uint64_t streams_error = 0;
  std::uint64_t streams_disconnected = 0;
  std::uint64_t tokens_streamed = 0;       // token chunks written
  std::uint64_t stream_bytes = 0;          // NDJSON bytes written
  Histogram added_ttft;                    // our time to first token minus Gemini's
  // OpenAI-compatible API: /v1/chat/completions answers, streamed or not
  std::int64_t completions_active = 0;
  std::uint64_t completions_complete = 0;
  std::uint64_t completions_error = 0;
  std::uint64_t completions_disconnected = 0;
  // Upstream
  Histogram upstream_duration;             // whole call, first request to end of stream
  Histogram upstream_ttft;                 // request sent to first event
  std::vector<std::pair<std::string, std::uint64_t>> upstream_errors;  // by code
  std::uint64_t upstream_requests = 0;
  std::uint64_t upstream_retries = 0;
  std::uint64_t upstream_connections = 0;
  std::uint64_t upstream_tls_resumed = 0;
  std::int64_t upstream_handshakes_active = 0;  // TLS handshakes in flight (gemini.max_handshakes)
  std::int64_t upstream_handshakes_peak = 0;    // the most that were ever in flight at once
  std::uint64_t upstream_handshake_waits = 0;   // new connections that waited for a handshake turn
  std::int64_t upstream_h2_connections = 0;     // open upstream connections speaking HTTP/2
  std::int64_t upstream_h2_streams = 0;         // streams open on them
  std::uint64_t upstream_h2_refused = 0;        // streams refused (GOAWAY, REFUSED_STREAM), sent again
  // Memory
  std::int64_t sessions = 0;
  std::int64_t session_bytes = 0;  // what memory.max_bytes counts
  // The session store's calls (Redis): how long they took, how many failed, whether it answers.
  Histogram store_duration;
  std::uint64_t store_errors = 0;
  std::int64_t store_up = 1;
  // Shared per-address limit checks Redis did not answer: let through on this instance's limits.
  std::uint64_t shared_limit_failures = 0;

  void count_request(std::string_view route, int status);
  void count_upstream_error(ErrorCode code);
  // The exposition text, with process_resident_memory_bytes read from /proc.
  std::string render() const;
};

Registry& registry();

}  // namespace chatrelay::metrics
