// Tests for core/gate.hpp: the limit, first come first served, cancelled waits, and places that
// are let in but gone before they enter.
#include "chatrelay/core/gate.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace chatrelay;

namespace {

// Enters, records, holds the place until `release` is cancelled, then leaves.
awaitable<void> visitor(Gate& gate, int id, std::vector<std::string>& log, asio::steady_timer& release) {
  Gate::Place place(gate);
  try {
    co_await place.enter();
  } catch (const std::system_error&) {
    log.push_back("gave up " + std::to_string(id));
    co_return;
  }
  log.push_back("in " + std::to_string(id));
  co_await release.async_wait(use_tuple);
  log.push_back("out " + std::to_string(id));
}

}  // namespace

TEST_CASE("Gate: at most `limit` inside, the rest in arrival order") {
  asio::io_context io;
  Gate gate(io.get_executor(), 2);
  std::vector<std::string> log;
  std::vector<std::unique_ptr<asio::steady_timer>> release;
  for (int i = 0; i < 5; ++i) {
    release.push_back(std::make_unique<asio::steady_timer>(io, asio::steady_timer::time_point::max()));
    asio::co_spawn(io, visitor(gate, i, log, *release.back()), asio::detached);
  }
  io.poll();
  CHECK(log == std::vector<std::string>{"in 0", "in 1"});
  CHECK(gate.inside() == 2);
  CHECK(gate.waiting() == 3);
  release[1]->cancel();
  io.poll();
  CHECK(log == std::vector<std::string>{"in 0", "in 1", "out 1", "in 2"});
  release[0]->cancel();
  release[2]->cancel();
  io.poll();
  CHECK(log.back() == "in 4");
  CHECK(gate.inside() == 2);
  CHECK(gate.waiting() == 0);
  release[3]->cancel();
  release[4]->cancel();
  io.poll();
  CHECK(gate.inside() == 0);
}

TEST_CASE("Gate: a cancelled wait leaves the queue, and a place let in but never taken passes on") {
  asio::io_context io;
  Gate gate(io.get_executor(), 1);
  std::vector<std::string> log;
  asio::steady_timer hold(io, asio::steady_timer::time_point::max());
  asio::co_spawn(io, visitor(gate, 0, log, hold), asio::detached);
  io.poll();

  // cancel() on a waiting place: enter() throws, nothing is held.
  std::optional<Gate::Place> waiting(std::in_place, gate);
  bool threw = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    try {
      co_await waiting->enter();
    } catch (const std::system_error& e) {
      threw = e.code() == asio::error::operation_aborted;
    }
  }, asio::detached);
  io.poll();
  CHECK(gate.waiting() == 1);
  waiting->cancel();
  io.poll();
  CHECK(threw);
  CHECK(gate.waiting() == 0);

  // Let in, then destroyed before its coroutine ran: the place goes to the next one.
  std::optional<Gate::Place> doomed(std::in_place, gate);
  asio::co_spawn(io, [&]() -> awaitable<void> { co_await doomed->enter(); }, asio::detached);
  io.poll();
  asio::steady_timer hold2(io, asio::steady_timer::time_point::max());
  asio::co_spawn(io, visitor(gate, 2, log, hold2), asio::detached);
  io.poll();
  CHECK(gate.waiting() == 2);
  hold.cancel();  // visitor 0 leaves: `doomed` is let in
  io.run_one();   // only visitor 0's wake-up: `doomed` has not run yet
  doomed.reset();
  io.poll();
  CHECK(log.back() == "in 2");
  CHECK(gate.inside() == 1);
  hold2.cancel();
  io.poll();
  CHECK(gate.inside() == 0);
}
