// Tests for core/gate.hpp: the limit, first come first served, cancelled waits, and places that
// are let in but cancelled before they enter. (A Place lives in its coroutine's frame: it is never
// destroyed while its enter() can still resume.)
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

// Enters through `place` (which must outlive the wait); `threw` says whether enter() refused.
void spawn_enter(asio::io_context& io, std::optional<Gate::Place>& place, bool& threw) {
  asio::co_spawn(io, [&place, &threw]() -> awaitable<void> {
    try {
      co_await place->enter();
    } catch (const std::system_error& e) {
      threw = e.code() == asio::error::operation_aborted;
      place.reset();  // its owner unwinds: a place it was given is handed on
    }
  }, asio::detached);
}

// A gate of one, held by visitor 0 until `hold` is cancelled.
struct OneInside {
  OneInside() {
    asio::co_spawn(io, visitor(gate, 0, log, hold), asio::detached);
    io.poll();
  }
  asio::io_context io;
  Gate gate{io.get_executor(), 1};
  std::vector<std::string> log;
  asio::steady_timer hold{io, asio::steady_timer::time_point::max()};
};

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

TEST_CASE_METHOD(OneInside, "Gate: a cancelled wait leaves the queue") {

  // cancel() on a waiting place: enter() throws, nothing is held.
  std::optional<Gate::Place> waiting(std::in_place, gate);
  bool threw = false;
  spawn_enter(io, waiting, threw);
  io.poll();
  CHECK(gate.waiting() == 1);
  waiting->cancel();
  io.poll();
  CHECK(threw);
  CHECK(gate.waiting() == 0);

  hold.cancel();
  io.poll();
  CHECK(gate.inside() == 0);
}

TEST_CASE_METHOD(OneInside, "Gate: a cancelled place is never let in later, even when the gate opens before it resumes") {

  // Cancelled while waiting, and the gate opens in the same round: the next in line gets it.
  std::optional<Gate::Place> cancelled(std::in_place, gate);
  bool threw = false;
  spawn_enter(io, cancelled, threw);
  asio::steady_timer hold2(io, asio::steady_timer::time_point::max());
  asio::co_spawn(io, visitor(gate, 2, log, hold2), asio::detached);
  io.poll();
  CHECK(gate.waiting() == 2);
  cancelled->cancel();
  CHECK(gate.waiting() == 1);  // out of the queue at once, not when its coroutine resumes
  hold.cancel();
  io.poll();
  CHECK(threw);
  CHECK(log.back() == "in 2");
  CHECK(gate.inside() == 1);

  // Let in, then cancelled before its coroutine resumed: it throws and the place passes on.
  std::optional<Gate::Place> late(std::in_place, gate);
  bool late_threw = false;
  spawn_enter(io, late, late_threw);
  asio::steady_timer hold3(io, asio::steady_timer::time_point::max());
  asio::co_spawn(io, visitor(gate, 3, log, hold3), asio::detached);
  io.poll();
  hold2.cancel();
  io.run_one();  // visitor 2 leaves: `late` is let in but has not run yet
  late->cancel();
  io.poll();
  CHECK(late_threw);
  CHECK(log.back() == "in 3");
  CHECK(gate.inside() == 1);

  // Cancelled before it ever waited: enter() refuses at once.
  std::optional<Gate::Place> early(std::in_place, gate);
  early->cancel();
  bool early_threw = false;
  spawn_enter(io, early, early_threw);
  io.poll();
  CHECK(early_threw);
  CHECK(gate.waiting() == 0);
  hold3.cancel();
  io.poll();
  CHECK(gate.inside() == 0);
}
