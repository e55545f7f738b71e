// Tests for core/deadline.hpp: expiry calls back once and disarms, moves later and earlier,
// disarm, and no call after destruction.
#include "chatrelay/core/deadline.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace chatrelay;
using namespace std::chrono_literals;

TEST_CASE("Deadline: calls back once when it passes, and can be moved either way") {
  asio::io_context io;
  int calls = 0;
  Deadline d(io.get_executor(), [&] { ++calls; });
  d.expires_after(20ms);
  io.run_for(60ms);
  CHECK(calls == 1);
  CHECK(d.expired());
  io.run_for(30ms);
  CHECK(calls == 1);  // disarmed after expiring

  // Pushed later before it passes: no call at the first time, one at the second.
  d.clear_expired();
  io.restart();
  d.expires_after(30ms);
  io.run_for(10ms);
  d.expires_after(80ms);
  io.run_for(40ms);
  CHECK(calls == 1);
  io.run_for(80ms);
  CHECK(calls == 2);

  // Moved earlier: the call comes at the earlier time.
  io.restart();
  d.expires_after(10s);
  io.run_for(5ms);
  const auto t0 = Deadline::clock::now();
  d.expires_after(20ms);
  while (calls == 2 && Deadline::clock::now() - t0 < 2s) io.run_one_for(100ms);
  CHECK(calls == 3);
  CHECK(Deadline::clock::now() - t0 < 1s);

  // Disarmed: nothing.
  io.restart();
  d.expires_after(10ms);
  d.disarm();
  io.run_for(40ms);
  CHECK(calls == 3);
}

TEST_CASE("Deadline: destroyed with a wait pending, it never calls back") {
  asio::io_context io;
  int calls = 0;
  auto d = std::make_unique<Deadline>(io.get_executor(), [&] { ++calls; });
  // Far enough ahead that a loaded machine cannot let it expire before the reset.
  d->expires_after(100ms);
  io.run_for(1ms);
  d.reset();
  io.run_for(250ms);
  CHECK(calls == 0);
}
