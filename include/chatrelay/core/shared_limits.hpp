// Per-address limits shared by every instance (DESIGN.md §3, §4): the HTTP server asks them after
// its own in-process limits, which still bound this instance alone; the Redis store provides them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chatrelay/core/asio.hpp"

namespace chatrelay {

class SharedLimits {
 public:
  virtual ~SharedLimits() = default;

  // Takes one request from `client`'s rate (server.ip_rate_per_s): nullopt when allowed, else
  // the seconds to wait. When the shared store cannot answer, nullopt: the in-process limit
  // stands (DESIGN.md §4).
  virtual awaitable<std::optional<double>> take_request(std::string client) = 0;

  // Takes one of `client`'s server.max_streams_per_ip across instances: nullopt when they are all
  // taken, else the slot to give back with close_stream (0 when the shared store could not
  // answer: the stream counts in this instance only).
  virtual awaitable<std::optional<std::uint64_t>> open_stream(std::string client) = 0;
  // Gives a slot back without waiting; never throws (a slot not given back expires).
  virtual void close_stream(std::uint64_t slot) = 0;
};

}  // namespace chatrelay
