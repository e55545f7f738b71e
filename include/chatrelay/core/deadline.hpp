// A moving deadline watched by a second coroutine: the cheap way to time out every read and write
// of a connection without arming a timer per operation (asio's timeout_watchdog example).
#pragma once

#include <chrono>
#include <functional>

#include "chatrelay/core/asio.hpp"

namespace chatrelay {

class Deadline {
 public:
  using clock = std::chrono::steady_clock;

  explicit Deadline(const asio::any_io_executor& ex) : timer_(ex) {}

  // Arms (or moves) the deadline `d` from now; wakes the watcher when it moved earlier.
  void expires_after(clock::duration d) {
    auto before = at_;
    at_ = clock::now() + d;
    if (at_ < before && before != clock::time_point::max()) {
      rearm_ = true;
      timer_.cancel();
    }
  }
  // No deadline until the next expires_after.
  void disarm() { at_ = clock::time_point::max(); }
  bool expired() const { return clock::now() >= at_; }

  // Runs until the deadline passes, then calls on_expiry once and returns. Joined with the work it
  // guards using `||`, so whichever finishes first cancels the other.
  awaitable<void> watch(std::function<void()> on_expiry) {
    for (;;) {
      timer_.expires_at(at_);
      auto [ec] = co_await timer_.async_wait(use_tuple);
      if (ec && ec != asio::error::operation_aborted) co_return;
      if (clock::now() >= at_) {
        on_expiry();
        co_return;
      }
      if (ec && !rearm_) co_return;  // cancelled from outside
      rearm_ = false;
    }
  }

 private:
  asio::steady_timer timer_;
  clock::time_point at_ = clock::time_point::max();
  bool rearm_ = false;
};

inline std::chrono::steady_clock::duration seconds_f(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(s));
}

}  // namespace chatrelay
