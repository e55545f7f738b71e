// A moving deadline on one timer: the cheap way to time out every read and write of a connection
// without arming a timer per operation (the idea of asio's timeout_watchdog example, with a plain
// completion handler instead of a second coroutine: no race of two coroutines to pay for).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "chatrelay/core/asio.hpp"

namespace chatrelay {

class Deadline {
 public:
  using clock = std::chrono::steady_clock;

  // `on_expiry` runs each time the deadline passes (then the deadline is disarmed); it typically
  // cancels the guarded socket so that the pending operation fails with operation_aborted. It is
  // never called once the Deadline is destroyed.
  Deadline(const asio::any_io_executor& ex, std::function<void()> on_expiry)
      : s_(std::make_shared<State>(ex, std::move(on_expiry))) {}
  ~Deadline() { s_->timer.cancel(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Arms (or moves) the deadline `d` from now.
  void expires_after(clock::duration d) {
    s_->at = clock::now() + d;
    // A later deadline waits for the timer already running, which then re-arms; only an earlier
    // one restarts it. (Most moves are later: each read pushes the deadline on.)
    if (s_->at < s_->timer_at) arm(s_);
  }
  // No deadline until the next expires_after.
  void disarm() { s_->at = clock::time_point::max(); }
  bool expired() const { return s_->expired; }
  void clear_expired() { s_->expired = false; }

 private:
  struct State {
    State(const asio::any_io_executor& ex, std::function<void()> f) : timer(ex), on_expiry(std::move(f)) {}
    asio::steady_timer timer;
    std::function<void()> on_expiry;
    clock::time_point at = clock::time_point::max();        // the deadline
    clock::time_point timer_at = clock::time_point::max();  // when the timer fires (max: idle)
    std::uint64_t generation = 0;  // only the newest wait acts; earlier ones were cancelled
    bool expired = false;
  };

  static void arm(const std::shared_ptr<State>& s) {
    s->timer_at = s->at;
    s->timer.expires_at(s->at);  // cancels a wait in progress
    s->timer.async_wait([w = std::weak_ptr<State>(s), g = ++s->generation](asio::error_code ec) {
      auto s = w.lock();
      if (!s || g != s->generation) return;
      s->timer_at = clock::time_point::max();
      if (ec) return;
      if (clock::now() >= s->at) {
        s->at = clock::time_point::max();
        s->expired = true;
        s->on_expiry();
      } else if (s->at != clock::time_point::max()) {
        arm(s);
      }
    });
  }

  std::shared_ptr<State> s_;
};

inline std::chrono::steady_clock::duration seconds_f(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// The other way: a duration in seconds, as metrics and messages show it.
inline double to_seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace chatrelay
