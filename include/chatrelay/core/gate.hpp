// A gate for coroutines on one loop: at most `limit` inside at a time, the others wait their turn
// (first come, first served). A wait ends early by cancel() (a timeout's callback) or by the
// awaiting coroutine's cancellation.
#pragma once

#include <cstddef>
#include <list>
#include <system_error>

#include "chatrelay/core/asio.hpp"

namespace chatrelay {

class Gate {
 public:
  // One caller's place: enter() waits for it; destroying it leaves (or stops waiting). It must
  // outlive its enter(): keep it in the waiting coroutine's frame.
  class Place {
   public:
    explicit Place(Gate& gate) : gate_(gate), timer_(gate.ex_) {}
    ~Place() {
      if (state_ == State::waiting) {
        gate_.waiting_.erase(at_);
      } else if (state_ != State::outside) {
        gate_.leave();  // inside, or let in but gone before it noticed: the place passes on
      }
    }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;

    // Throws std::system_error(operation_aborted) when the wait was cancelled (before it began,
    // while it ran, or after the place was let in but before enter() resumed).
    awaitable<void> enter() {
      if (cancelled_) throw_aborted();
      if (gate_.inside_ < gate_.limit_ && gate_.waiting_.empty()) {
        ++gate_.inside_;
        state_ = State::inside;
        co_return;
      }
      at_ = gate_.waiting_.insert(gate_.waiting_.end(), this);
      state_ = State::waiting;
      timer_.expires_at(asio::steady_timer::time_point::max());
      co_await timer_.async_wait(use_tuple);
      if (state_ == State::waiting) {  // the awaiting coroutine was cancelled
        gate_.waiting_.erase(at_);
        state_ = State::outside;
      }
      if (state_ == State::admitted) state_ = State::inside;  // a cancelled one leaves again in ~Place
      if (state_ != State::inside || cancelled_) throw_aborted();
    }
    // Ends the wait at once: the place leaves the queue now, so the gate can never let it in
    // later (its owner's timeout has already fired and would not fire again).
    void cancel() {
      cancelled_ = true;
      if (state_ != State::waiting) return;
      gate_.waiting_.erase(at_);
      state_ = State::outside;
      timer_.cancel();
    }

   private:
    friend class Gate;
    enum class State { outside, waiting, admitted, inside };
    Gate& gate_;
    asio::steady_timer timer_;
    std::list<Place*>::iterator at_;
    State state_ = State::outside;
    bool cancelled_ = false;

    [[noreturn]] static void throw_aborted() {
      throw std::system_error(asio::error::operation_aborted, "waiting at the gate");
    }
  };

  Gate(const asio::any_io_executor& ex, std::size_t limit) : ex_(ex), limit_(limit) {}
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  std::size_t inside() const { return inside_; }
  std::size_t waiting() const { return waiting_.size(); }

 private:
  void leave() {
    if (waiting_.empty()) {
      --inside_;
      return;
    }
    Place* next = waiting_.front();  // the place goes straight to it: inside_ stays
    waiting_.pop_front();
    next->state_ = Place::State::admitted;
    next->timer_.cancel();
  }

  asio::any_io_executor ex_;
  std::size_t limit_;
  std::size_t inside_ = 0;
  std::list<Place*> waiting_;
};

}  // namespace chatrelay
