// Tests for core/until.hpp: the first to finish wins whether it returns or throws, the other is
// cancelled, the work's exception is rethrown, and cancelling the caller throws operation_aborted.
#include "chatrelay/core/until.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

using namespace chatrelay;

namespace {

// Waits for `timer`; logs how it ended ("<name> done" or "<name> cancelled"), then maybe throws.
awaitable<void> branch(asio::steady_timer& timer, std::string name, std::vector<std::string>& log,
                       bool throws = false) {
  auto [ec] = co_await timer.async_wait(use_tuple);
  log.push_back(name + (ec ? " cancelled" : " done"));
  if (throws && !ec) throw std::runtime_error(name + " failed");
}

awaitable<int> value_after(asio::steady_timer& timer, int value, std::vector<std::string>& log) {
  co_await branch(timer, "work", log);
  co_return value;
}

struct Fixture {
  asio::io_context io;
  asio::steady_timer soon{io, std::chrono::milliseconds(1)};
  asio::steady_timer never{io, asio::steady_timer::time_point::max()};
  std::vector<std::string> log;
  std::string outcome;

  // Runs until(work, stop) to the end and records what it returned or threw.
  template <typename T>
  void run(awaitable<T> work, awaitable<void> stop) {
    asio::co_spawn(io, [&, work = std::move(work), stop = std::move(stop)]() mutable -> awaitable<void> {
      try {
        auto r = co_await until(std::move(work), std::move(stop));
        if constexpr (std::is_same_v<decltype(r), bool>)
          outcome = r ? "work" : "stop";
        else
          outcome = r ? "value " + std::to_string(*r) : "nullopt";
      } catch (const std::system_error& e) {
        outcome = e.code() == asio::error::operation_aborted ? "aborted" : "system_error";
      } catch (const std::runtime_error& e) {
        outcome = e.what();
      }
    }, asio::detached);
    io.run();
  }
};

using Log = std::vector<std::string>;

}  // namespace

TEST_CASE("until: the work finishing first wins and stop is cancelled") {
  Fixture f;
  f.run(branch(f.soon, "work", f.log), branch(f.never, "stop", f.log));
  CHECK(f.outcome == "work");
  CHECK(f.log == Log{"work done", "stop cancelled"});
}

TEST_CASE("until: stop finishing first wins and the work is cancelled") {
  Fixture f;
  f.run(branch(f.never, "work", f.log), branch(f.soon, "stop", f.log));
  CHECK(f.outcome == "stop");
  CHECK(f.log == Log{"stop done", "work cancelled"});
}

TEST_CASE("until: the work throwing first wins, is rethrown, and stop is cancelled") {
  Fixture f;
  f.run(branch(f.soon, "work", f.log, true), branch(f.never, "stop", f.log));
  CHECK(f.outcome == "work failed");
  CHECK(f.log == Log{"work done", "stop cancelled"});
}

TEST_CASE("until: stop throwing first wins, its exception only means stop, the work is cancelled") {
  Fixture f;
  f.run(branch(f.never, "work", f.log), branch(f.soon, "stop", f.log, true));
  CHECK(f.outcome == "stop");
  CHECK(f.log == Log{"stop done", "work cancelled"});
}

TEST_CASE("until: cancelling the caller cancels both and throws operation_aborted") {
  Fixture f;
  asio::cancellation_signal cancel;
  asio::steady_timer other(f.io, asio::steady_timer::time_point::max());
  asio::co_spawn(f.io, [&]() -> awaitable<void> {
    try {
      co_await until(branch(f.never, "work", f.log), branch(other, "stop", f.log));
      f.outcome = "returned";
    } catch (const std::system_error& e) {
      f.outcome = e.code() == asio::error::operation_aborted ? "aborted" : "system_error";
    }
  }, asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  f.io.poll();
  CHECK(f.outcome.empty());
  cancel.emit(asio::cancellation_type::terminal);
  f.io.run();
  CHECK(f.outcome == "aborted");
  CHECK(f.log.size() == 2);
  CHECK(std::count(f.log.begin(), f.log.end(), "work cancelled") == 1);
  CHECK(std::count(f.log.begin(), f.log.end(), "stop cancelled") == 1);
}

TEST_CASE("until with a value: the value when the work wins, nullopt when stop does, or its exception") {
  SECTION("work wins") {
    Fixture f;
    f.run(value_after(f.soon, 42, f.log), branch(f.never, "stop", f.log));
    CHECK(f.outcome == "value 42");
    CHECK(f.log == Log{"work done", "stop cancelled"});
  }
  SECTION("stop wins") {
    Fixture f;
    f.run(value_after(f.never, 42, f.log), branch(f.soon, "stop", f.log));
    CHECK(f.outcome == "nullopt");
    CHECK(f.log == Log{"stop done", "work cancelled"});
  }
  SECTION("work throws") {
    Fixture f;
    auto failing = [&]() -> awaitable<int> {
      co_await branch(f.soon, "work", f.log, true);
      co_return 1;
    };
    f.run(failing(), branch(f.never, "stop", f.log));
    CHECK(f.outcome == "work failed");
    CHECK(f.log == Log{"work done", "stop cancelled"});
  }
}
