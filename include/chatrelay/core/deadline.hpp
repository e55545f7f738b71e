// A moving deadline watched by a second coroutine: the cheap way to time out every read and write
// of a connection without arming a timer per operation (asio's timeout_watchdog example).
#pragma once

#include <chrono>

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
    if (at_ < before) {
      rearm_ = true;
      timer_.cancel();
    }
  }
  // No deadline until the next expires_after.
  void disarm() { at_ = clock::time_point::max(); }
  bool expired() const { return expired_; }

  // Runs until cancelled from outside (join it with the guarded work using `||`). Each time the
  // deadline passes it calls on_expiry() once and disarms; on_expiry typically cancels the
  // guarded socket so that the pending operation fails with operation_aborted.
  template <typename F>
  awaitable<void> watch(F on_expiry) {
    for (;;) {
      timer_.expires_at(at_);
      auto [ec] = co_await timer_.async_wait(use_tuple);
      // Cancelled from outside (the guarded work finished first)? A rearm that raced with it
      // must not hide it, so ask the coroutine's own cancellation state, not just the error.
      auto state = co_await asio::this_coro::cancellation_state;
      if (state.cancelled() != asio::cancellation_type::none || (ec && !rearm_)) co_return;
      rearm_ = false;
      if (clock::now() >= at_) {
        at_ = clock::time_point::max();
        expired_ = true;
        on_expiry();
      }
    }
  }

  void clear_expired() { expired_ = false; }

 private:
  asio::steady_timer timer_;
  clock::time_point at_ = clock::time_point::max();
  bool rearm_ = false;
  bool expired_ = false;
};

inline std::chrono::steady_clock::duration seconds_f(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace chatrelay
