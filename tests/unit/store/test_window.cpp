// Tests for store/window and store/session_codec: the commit rules and the stored value.
#include "chatrelay/store/session_codec.hpp"
#include "chatrelay/store/window.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay;
using memory::Role;
using memory::Turn;

namespace {

Turn user(std::string t) { return {Role::user, std::move(t)}; }
Turn model(std::string t) { return {Role::model, std::move(t)}; }

std::string show(const std::vector<Turn>& turns) {
  std::string out;
  for (const auto& t : turns) {
    out.append(t.role == Role::user ? "u:" : "m:");
    out.append(t.text);
    out.push_back(' ');
  }
  return out;
}

}  // namespace

TEST_CASE("window_after: append, then the newest max_messages, starting at a user turn") {
  auto w = store::window_after({user("1"), model("2")}, {user("3"), model("4")}, false, 10, 1 << 20);
  CHECK(show(w) == "u:1 m:2 u:3 m:4 ");
  w = store::window_after({user("1"), model("2")}, {user("3"), model("4")}, false, 3, 1 << 20);
  CHECK(show(w) == "u:3 m:4 ");  // "m:2" would lead: dropped
  w = store::window_after({user("1"), model("2")}, {user("a"), model("b"), user("c"), model("d")}, true, 10, 1 << 20);
  CHECK(show(w) == "u:a m:b u:c m:d ");
}

TEST_CASE("window_after: the oldest turns go while over the byte budget") {
  const std::size_t budget = 2 * (10 + memory::turn_overhead_bytes);
  auto w = store::window_after({user(std::string(10, 'a')), model(std::string(10, 'b'))},
                               {user(std::string(10, 'c')), model(std::string(10, 'd'))}, false, 10, budget);
  CHECK(show(w) == "u:cccccccccc m:dddddddddd ");
  w = store::window_after({}, {user(std::string(100, 'x')), model("y")}, false, 10, 50);
  CHECK(w.empty());  // an exchange that alone is larger leaves it empty
}

TEST_CASE("session_codec: a value round-trips, texts of any bytes included") {
  store::StoredValue v;
  v.turn = "abc123";
  v.recent = " x abc123 ";
  v.updated_ms = 1733400000123;
  v.turns = {user("héllo \"quoted\"\n\\"), model("```js\nx\n```")};
  const std::string text = store::encode(v);
  CHECK(text.starts_with("{\"turn\":\"abc123\",\"recent\":\" x abc123 \","));
  auto back = store::decode(text);
  REQUIRE(back);
  CHECK(back->turn == v.turn);
  CHECK(back->recent == v.recent);
  CHECK(back->updated_ms == v.updated_ms);
  CHECK(show(back->turns) == show(v.turns));
  CHECK_FALSE(store::decode("not json"));
  CHECK_FALSE(store::decode(R"({"turn":"a","recent":" ","updated_ms":1,"messages":[["x","t"]]})"));
}

TEST_CASE("session_codec: remember keeps the newest ids") {
  std::string recent = " ";
  for (int i = 0; i < 20; ++i) {
    std::string id = "t";
    id.append(std::to_string(i));
    recent = store::remember(recent, id);
  }
  CHECK(recent.starts_with(" t4 t5 "));
  CHECK(recent.ends_with(" t19 "));
  CHECK(recent.find(" t3 ") == std::string::npos);
}
