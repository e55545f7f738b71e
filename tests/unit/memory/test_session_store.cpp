// Tests for memory/session_store: history window, LRU eviction, busy flags, TTL, byte budgets,
// replace/erase, a model check.
#include "chatrelay/memory/session_store.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using chatrelay::memory::Role;
using chatrelay::memory::SessionStore;
using chatrelay::memory::Turn;
using chatrelay::memory::session_overhead_bytes;
using chatrelay::memory::turn_overhead_bytes;
using namespace std::chrono_literals;

namespace {

const SessionStore::clock::time_point t0 = SessionStore::clock::time_point{} + 1000h;

Turn user(std::string text) { return {Role::user, std::move(text)}; }
Turn model(std::string text) { return {Role::model, std::move(text)}; }

// "u:text" / "m:text", so whole histories compare in one CHECK with readable output.
std::vector<std::string> render(const std::vector<Turn>& turns) {
  std::vector<std::string> out;
  for (const Turn& t : turns) out.push_back((t.role == Role::user ? "u:" : "m:") + t.text);
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("an unknown session has no history and is not created by reading") {
  SessionStore store(10, 100, 1h);
  CHECK(store.history("nobody", t0).empty());
  CHECK(store.size() == 0);
  CHECK_FALSE(store.contains("nobody"));
}

TEST_CASE("append keeps turns in order across calls") {
  SessionStore store(10, 100, 1h);
  store.append("s", {user("u1"), model("m1")}, t0);
  store.append("s", {user("u2"), model("m2")}, t0 + 1s);
  CHECK(store.size() == 1);
  CHECK(render(store.history("s", t0 + 2s)) == Lines{"u:u1", "m:m1", "u:u2", "m:m2"});
  // Reading does not consume.
  CHECK(render(store.history("s", t0 + 3s)) == Lines{"u:u1", "m:m1", "u:u2", "m:m2"});
}

TEST_CASE("append of nothing creates nothing") {
  SessionStore store(10, 100, 1h);
  store.append("s", std::vector<Turn>{}, t0);
  CHECK(store.size() == 0);
}

TEST_CASE("append moves texts from an rvalue vector") {
  SessionStore store(10, 100, 1h);
  std::vector<Turn> turns{user(std::string(1000, 'x')), model("reply")};
  store.append("s", std::move(turns), t0);
  const auto history = store.history("s", t0);
  REQUIRE(history.size() == 2);
  CHECK(history[0].text == std::string(1000, 'x'));
  CHECK(history[1].text == "reply");
}

TEST_CASE("the ring keeps the newest max_history_messages turns") {
  SessionStore store(4, 100, 1h);
  store.append("s", {user("u1"), model("m1"), user("u2"), model("m2")}, t0);
  store.append("s", {user("u3"), model("m3")}, t0);
  CHECK(render(store.history("s", t0)) == Lines{"u:u2", "m:m2", "u:u3", "m:m3"});
  // More turns in one call than the ring holds: only the newest survive.
  store.append("s", {user("a"), model("b"), user("c"), model("d"), user("e"), model("f")}, t0);
  CHECK(render(store.history("s", t0)) == Lines{"u:c", "m:d", "u:e", "m:f"});
}

TEST_CASE("the window starts at a user turn") {
  SECTION("one model turn left at the front by the overwrite") {
    SessionStore store(3, 100, 1h);
    store.append("s", {user("u1"), model("m1"), user("u2"), model("m2")}, t0);  // m1 u2 m2
    CHECK(render(store.history("s", t0)) == Lines{"u:u2", "m:m2"});
  }
  SECTION("several model turns at the front") {
    SessionStore store(4, 100, 1h);
    store.append("s", {user("u1"), model("m1a"), model("m1b"), user("u2"), model("m2")}, t0);
    CHECK(render(store.history("s", t0)) == Lines{"u:u2", "m:m2"});
  }
  SECTION("only model turns left: empty window") {
    SessionStore store(2, 100, 1h);
    store.append("s", {user("u1"), model("m1"), model("m2")}, t0);
    CHECK(store.history("s", t0).empty());
    CHECK(store.contains("s"));
  }
  SECTION("trimming is a view: later turns still append after the stored ones") {
    SessionStore store(3, 100, 1h);
    store.append("s", {user("u1"), model("m1"), user("u2"), model("m2")}, t0);
    CHECK(render(store.history("s", t0)) == Lines{"u:u2", "m:m2"});
    store.append("s", {user("u3")}, t0);  // u2 m2 u3
    CHECK(render(store.history("s", t0)) == Lines{"u:u2", "m:m2", "u:u3"});
  }
}

TEST_CASE("the store owns its ids; lookups by string_view find them") {
  SessionStore store(10, 100, 1h);
  std::string id = "abc";
  store.append(id, {user("hi")}, t0);
  id[0] = 'x';
  CHECK(store.contains("abc"));
  CHECK_FALSE(store.contains(id));
  CHECK(render(store.history(std::string_view("abcdef", 3), t0)) == Lines{"u:hi"});
}

TEST_CASE("LRU eviction drops the least recently used session") {
  SessionStore store(10, 3, 1h);
  store.append("a", {user("a")}, t0);
  store.append("b", {user("b")}, t0 + 1s);
  store.append("c", {user("c")}, t0 + 2s);
  CHECK(store.size() == 3);

  SECTION("without touches, the oldest goes first") {
    store.append("d", {user("d")}, t0 + 3s);
    CHECK(store.size() == 3);
    CHECK_FALSE(store.contains("a"));
    store.append("e", {user("e")}, t0 + 4s);
    CHECK_FALSE(store.contains("b"));
    CHECK(store.contains("c"));
    CHECK(store.contains("d"));
    CHECK(store.contains("e"));
  }
  SECTION("history() counts as use") {
    CHECK_FALSE(store.history("a", t0 + 3s).empty());  // order now b c a
    store.append("d", {user("d")}, t0 + 4s);
    CHECK_FALSE(store.contains("b"));
    CHECK(store.contains("a"));
    store.append("e", {user("e")}, t0 + 5s);
    CHECK_FALSE(store.contains("c"));
    CHECK(store.contains("a"));
    CHECK(render(store.history("a", t0 + 6s)) == Lines{"u:a"});
  }
  SECTION("append() to an existing session counts as use") {
    store.append("a", {model("more")}, t0 + 3s);  // order now b c a
    store.append("d", {user("d")}, t0 + 4s);
    CHECK_FALSE(store.contains("b"));
    CHECK(render(store.history("a", t0 + 5s)) == Lines{"u:a", "m:more"});
  }
  SECTION("an evicted id comes back empty") {
    store.append("d", {user("d")}, t0 + 3s);
    CHECK(store.history("a", t0 + 4s).empty());
    store.append("a", {user("again")}, t0 + 5s);
    CHECK(render(store.history("a", t0 + 6s)) == Lines{"u:again"});
  }
}

TEST_CASE("try_acquire marks a session busy until release") {
  SessionStore store(10, 100, 1h);
  CHECK(store.try_acquire("s"));
  CHECK_FALSE(store.try_acquire("s"));
  CHECK(store.try_acquire("other"));  // ids are independent
  store.release("s");
  CHECK(store.try_acquire("s"));
  CHECK_FALSE(store.try_acquire("s"));
  store.release("s");
  store.release("other");
  CHECK(store.size() == 0);  // busy flags are not sessions
}

TEST_CASE("eviction skips busy sessions") {
  SessionStore store(10, 2, 1h);
  store.append("a", {user("a")}, t0);
  store.append("b", {user("b")}, t0 + 1s);
  REQUIRE(store.try_acquire("a"));

  store.append("c", {user("c")}, t0 + 2s);  // a is older but busy: b goes
  CHECK(store.contains("a"));
  CHECK_FALSE(store.contains("b"));
  CHECK(store.contains("c"));

  SECTION("when every session is busy the cap is exceeded rather than drop one") {
    REQUIRE(store.try_acquire("c"));
    store.append("d", {user("d")}, t0 + 3s);
    CHECK(store.size() == 3);
    CHECK(store.contains("a"));
    CHECK(store.contains("c"));
    // Once released, the next new session brings the store back under the cap.
    store.release("a");
    store.release("c");
    store.append("e", {user("e")}, t0 + 4s);
    CHECK(store.size() == 2);
    CHECK_FALSE(store.contains("a"));
    CHECK_FALSE(store.contains("c"));
    CHECK(store.contains("d"));
    CHECK(store.contains("e"));
  }
  SECTION("an id busy before its session exists is protected once created") {
    REQUIRE(store.try_acquire("new"));
    store.append("new", {user("n")}, t0 + 3s);  // evicts c (a is busy)
    CHECK_FALSE(store.contains("c"));
    store.append("x", {user("x")}, t0 + 4s);
    store.append("y", {user("y")}, t0 + 5s);
    CHECK(store.contains("a"));
    CHECK(store.contains("new"));
    CHECK(store.size() == 3);  // a and new are busy, so one extra
    CHECK(render(store.history("new", t0 + 6s)) == Lines{"u:n"});
  }
}

TEST_CASE("history() reads an expired session as absent and drops it") {
  SessionStore store(10, 100, 10s);
  store.append("s", {user("u1"), model("m1")}, t0);
  CHECK(store.history("s", t0 + 10s).size() == 2);  // exactly the TTL: still fresh, and touched
  CHECK(store.history("s", t0 + 20s).size() == 2);  // 10 s after the last use
  CHECK(store.history("s", t0 + 30s + 1ms).empty());
  CHECK(store.size() == 0);
  store.append("s", {user("u2")}, t0 + 31s);
  CHECK(render(store.history("s", t0 + 32s)) == Lines{"u:u2"});
}

TEST_CASE("append() to an expired session starts it over") {
  SessionStore store(10, 100, 10s);
  store.append("s", {user("old")}, t0);
  store.append("s", {user("new")}, t0 + 11s);
  CHECK(render(store.history("s", t0 + 12s)) == Lines{"u:new"});
}

TEST_CASE("expire() drops idle sessions oldest first") {
  SessionStore store(10, 100, 10s);
  store.append("a", {user("a")}, t0);
  store.append("b", {user("b")}, t0 + 5s);
  store.append("c", {user("c")}, t0 + 10s);

  CHECK(store.expire(t0 + 10s) == 0);
  CHECK(store.expire(t0 + 12s) == 1);
  CHECK_FALSE(store.contains("a"));
  CHECK(store.contains("b"));
  CHECK(store.history("b", t0 + 14s).size() == 1);  // touched: now newer than c
  CHECK(store.expire(t0 + 21s) == 1);
  CHECK_FALSE(store.contains("c"));
  CHECK(store.contains("b"));
  CHECK(store.expire(t0 + 21s) == 0);
  CHECK(store.expire(t0 + 1h) == 1);
  CHECK(store.size() == 0);
  CHECK(store.expire(t0 + 2h) == 0);
}

TEST_CASE("busy sessions are not expired") {
  SessionStore store(10, 100, 10s);
  store.append("a", {user("a")}, t0);
  store.append("b", {user("b")}, t0 + 1s);
  store.append("c", {user("c")}, t0 + 100s);
  REQUIRE(store.try_acquire("a"));

  CHECK(store.expire(t0 + 50s) == 1);  // skips busy a, drops b behind it, stops at c
  CHECK(store.contains("a"));
  CHECK_FALSE(store.contains("b"));
  CHECK(store.contains("c"));

  SECTION("released, it expires on the next sweep") {
    store.release("a");
    CHECK(store.expire(t0 + 50s) == 1);
    CHECK_FALSE(store.contains("a"));
  }
  SECTION("read while busy, its stale turns are gone but the session stays for the stream") {
    CHECK(store.history("a", t0 + 50s).empty());
    CHECK(store.contains("a"));
    store.append("a", {user("fresh"), model("reply")}, t0 + 51s);
    store.release("a");
    CHECK(render(store.history("a", t0 + 52s)) == Lines{"u:fresh", "m:reply"});
  }
}

TEST_CASE("200,000 distinct ids keep size() within max_sessions") {
  constexpr std::size_t max_sessions = 1000;
  SessionStore store(4, max_sessions, 1h);
  std::size_t largest = 0;
  auto now = t0;
  for (int i = 0; i < 200'000; ++i) {
    now += 1ms;
    store.append("session-" + std::to_string(i), {user("q"), model("a")}, now);
    largest = std::max(largest, store.size());
    if (i % 7 == 0) store.history("session-" + std::to_string(i / 2), now);  // mostly misses
  }
  CHECK(largest == max_sessions);
  CHECK(store.size() == max_sessions);
  CHECK(store.contains("session-199999"));
  CHECK(store.contains("session-199000"));
  CHECK_FALSE(store.contains("session-0"));
  CHECK_FALSE(store.contains("session-198000"));
  CHECK(store.expire(now + 2h) == max_sessions);
  CHECK(store.size() == 0);
}

TEST_CASE("bytes() counts every turn and session, and goes back to zero") {
  SessionStore store(4, 100, 1h);
  CHECK(store.bytes() == 0);
  const std::size_t session = session_overhead_bytes + 1 + 4 * sizeof(Turn);
  store.append("s", {user("hello"), model(std::string(1000, 'x'))}, t0);
  CHECK(store.bytes() == session + (5 + turn_overhead_bytes) + (1000 + turn_overhead_bytes));
  store.append("t", {user("q")}, t0);
  CHECK(store.bytes() == 2 * session + (5 + 1000 + 1 + 3 * turn_overhead_bytes));
  // The ring drops the oldest turns, and the leading model turn they leave goes too.
  store.append("s", {user("a"), model("b"), user("c")}, t0);
  CHECK(render(store.history("s", t0)) == Lines{"u:a", "m:b", "u:c"});
  CHECK(store.bytes() == 2 * session + (4 + 4 * turn_overhead_bytes));
  CHECK(store.erase("s", t0));
  CHECK(store.erase("t", t0));
  CHECK(store.bytes() == 0);
  CHECK(store.size() == 0);
}

TEST_CASE("a stored answer holds what it counts") {
  SessionStore store(4, 100, 1h);
  std::string answer;
  for (int i = 0; i < 1000; ++i) answer += "token ";  // grown by appends: spare capacity
  REQUIRE(answer.capacity() > answer.size() + turn_overhead_bytes);
  store.append("s", {user("q"), model(std::move(answer))}, t0);
  const auto window = store.window("s", t0);
  REQUIRE(window.size() == 2);
  const Turn& stored = *std::next(window.begin());
  CHECK(stored.text.size() == 6000);
  CHECK(stored.text.capacity() <= stored.text.size() + turn_overhead_bytes);
}

TEST_CASE("max_session_bytes: a session's oldest turns go first") {
  const std::size_t k = 1000 + turn_overhead_bytes;  // cost of a 1000-byte turn
  SessionStore store(100, 100, 1h, SIZE_MAX, 5 * k);
  const std::string kb(1000, 'x');
  store.append("s", {user(std::string(1000, '1')), model(std::string(1000, '2'))}, t0);
  store.append("s", {user(std::string(1000, '3')), model(std::string(1000, '4'))}, t0);
  CHECK(store.history("s", t0).size() == 4);

  SECTION("whole exchanges go, never a user turn without the model turn after it") {
    store.append("s", {user(std::string(1000, '5')), model(std::string(1000, '6'))}, t0);
    // Six turns are over the budget: turn 1 goes, then model turn 2 left at the front.
    const auto h = store.history("s", t0);
    REQUIRE(h.size() == 4);
    CHECK(h.front().text[0] == '3');
    CHECK(h.back().text[0] == '6');
  }
  SECTION("an exchange larger than the budget leaves the session empty") {
    store.append("s", {user(kb), model(std::string(5 * k, 'y'))}, t0);
    CHECK(store.history("s", t0).empty());
    CHECK(store.bytes() == session_overhead_bytes + 1 + 100 * sizeof(Turn));
  }
  SECTION("replace() applies the budget to the new transcript") {
    store.replace("s", {user("a"), model("b"), user(std::string(5 * k - 50, 'z')), model("c")}, t0);
    CHECK(render(store.history("s", t0)).size() == 2);
    CHECK(store.history("s", t0).front().text.size() == 5 * k - 50);
  }
}

TEST_CASE("max_bytes: least recently used sessions go first") {
  const std::size_t session = session_overhead_bytes + 1 + 10 * sizeof(Turn);
  const std::size_t exchange = session + 2 * (1000 + turn_overhead_bytes);
  SessionStore store(10, 100, 1h, 3 * exchange, SIZE_MAX);
  const std::string kb(1000, 'x');
  store.append("a", {user(kb), model(kb)}, t0);
  store.append("b", {user(kb), model(kb)}, t0 + 1s);
  store.append("c", {user(kb), model(kb)}, t0 + 2s);
  CHECK(store.bytes() == 3 * exchange);
  CHECK(store.size() == 3);

  SECTION("a new session pushes out the oldest") {
    store.append("d", {user(kb), model(kb)}, t0 + 3s);
    CHECK_FALSE(store.contains("a"));
    CHECK(store.contains("b"));
    CHECK(store.bytes() == 3 * exchange);
  }
  SECTION("a read is a use") {
    store.window("a", t0 + 3s);
    store.append("d", {user(kb), model(kb)}, t0 + 4s);
    CHECK(store.contains("a"));
    CHECK_FALSE(store.contains("b"));
  }
  SECTION("a growing session pushes out others, never itself") {
    store.append("c", {user(kb), model(kb), user(kb), model(kb)}, t0 + 3s);
    CHECK_FALSE(store.contains("a"));
    CHECK_FALSE(store.contains("b"));
    CHECK(store.history("c", t0 + 4s).size() == 6);
    CHECK(store.bytes() <= 3 * exchange);
  }
  SECTION("busy sessions go last") {
    REQUIRE(store.try_acquire("a"));
    store.append("d", {user(kb), model(kb)}, t0 + 3s);
    CHECK(store.contains("a"));
    CHECK_FALSE(store.contains("b"));
    REQUIRE(store.try_acquire("c"));
    REQUIRE(store.try_acquire("d"));
    store.append("e", {user(kb), model(kb)}, t0 + 4s);  // only busy ones left: the oldest goes
    CHECK_FALSE(store.contains("a"));
    CHECK(store.contains("c"));
    CHECK(store.bytes() <= 3 * exchange);
    // Its stream's commit starts it afresh.
    store.append("a", {user("new"), model("turn")}, t0 + 5s);
    store.release("a");
    CHECK(render(store.history("a", t0 + 6s)) == Lines{"u:new", "m:turn"});
    store.release("c");
    store.release("d");
  }
}

TEST_CASE("replace() sets the stored turns to a transcript") {
  SessionStore store(4, 100, 1h);
  store.append("s", {user("old"), model("reply")}, t0);
  store.replace("s", {user("a"), model("b"), user("c"), model("d")}, t0 + 1s);
  CHECK(render(store.history("s", t0 + 2s)) == Lines{"u:a", "m:b", "u:c", "m:d"});
  store.replace("s", {model("x"), user("y"), model("z")}, t0 + 3s);  // starts at a user turn
  CHECK(render(store.history("s", t0 + 4s)) == Lines{"u:y", "m:z"});
  store.replace("new", {user("q"), model("r")}, t0 + 5s);
  CHECK(render(store.history("new", t0 + 6s)) == Lines{"u:q", "m:r"});
  CHECK(store.bytes() == 2 * (session_overhead_bytes + 4 * sizeof(Turn)) + 4 + 4 * (1 + turn_overhead_bytes));
}

TEST_CASE("erase() forgets a session and says whether it was known") {
  SessionStore store(4, 100, 10s);
  store.append("s", {user("q"), model("r")}, t0);
  CHECK(store.erase("s", t0 + 1s));
  CHECK_FALSE(store.contains("s"));
  CHECK(store.history("s", t0 + 2s).empty());
  CHECK_FALSE(store.erase("s", t0 + 3s));
  CHECK_FALSE(store.erase("never", t0));
  store.append("old", {user("q")}, t0);
  CHECK_FALSE(store.erase("old", t0 + 11s));  // expired: unknown, but gone all the same
  CHECK_FALSE(store.contains("old"));
  SECTION("the busy mark is not the store's to drop") {
    REQUIRE(store.try_acquire("b"));
    store.append("b", {user("q")}, t0);
    CHECK(store.erase("b", t0));
    CHECK(store.busy("b"));
    CHECK_FALSE(store.try_acquire("b"));
    store.release("b");
  }
}

TEST_CASE("window(): updated_at is when the turns last changed") {
  SessionStore store(4, 100, 1h);
  CHECK(store.window("s", t0).turns == nullptr);
  const auto before = SessionStore::wall_clock::now();
  store.append("s", {user("q")}, t0);
  const auto after = SessionStore::wall_clock::now();
  const auto first = store.window("s", t0 + 1s).updated_at;
  CHECK(first >= before);
  CHECK(first <= after);
  CHECK(store.window("s", t0 + 2s).updated_at == first);  // reading changes nothing
}

// A straightforward (slow) model of the rules, run against the store on random operations.
namespace {

struct ModelStore {
  struct Session {
    std::deque<Turn> turns;
    SessionStore::clock::time_point last_used;
    std::uint64_t last_use_seq = 0;
  };

  std::size_t max_turns;
  std::size_t max_sessions;
  SessionStore::clock::duration ttl;
  std::size_t max_bytes;
  std::size_t max_session_bytes;
  std::map<std::string, Session> sessions;
  std::set<std::string> busy;
  std::uint64_t seq = 0;

  static std::size_t turn_bytes(const Session& s) {
    std::size_t n = 0;
    for (const Turn& t : s.turns) n += t.text.size() + turn_overhead_bytes;
    return n;
  }
  std::size_t bytes() const {
    std::size_t n = 0;
    for (const auto& [id, s] : sessions) n += session_overhead_bytes + id.size() + max_turns * sizeof(Turn) + turn_bytes(s);
    return n;
  }
  bool expired(const Session& s, SessionStore::clock::time_point now) const {
    return now - s.last_used > ttl;
  }
  Session* find_live(const std::string& id, SessionStore::clock::time_point now) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return nullptr;
    if (!expired(it->second, now)) return &it->second;
    if (busy.count(id)) {
      it->second.turns.clear();
      return &it->second;
    }
    sessions.erase(it);
    return nullptr;
  }
  void touch(Session& s, SessionStore::clock::time_point now) {
    s.last_used = now;
    s.last_use_seq = ++seq;
  }
  std::vector<Turn> history(const std::string& id, SessionStore::clock::time_point now) {
    Session* s = find_live(id, now);
    if (s == nullptr) return {};
    touch(*s, now);
    return std::vector<Turn>(s->turns.begin(), s->turns.end());
  }
  // The least recently used session other than `keep`, not busy unless `busy_too`.
  std::map<std::string, Session>::iterator victim(const Session* keep, bool busy_too) {
    auto found = sessions.end();
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      if (&it->second == keep || (!busy_too && busy.count(it->first))) continue;
      if (found == sessions.end() || it->second.last_use_seq < found->second.last_use_seq) found = it;
    }
    return found;
  }
  void add(const std::string& id, const std::vector<Turn>& turns, bool replace,
           SessionStore::clock::time_point now) {
    if (turns.empty() && !replace) return;
    Session* s = find_live(id, now);
    if (s == nullptr) {
      if (turns.empty()) return;
      while (sessions.size() >= max_sessions) {
        auto v = victim(nullptr, false);
        if (v == sessions.end()) break;
        sessions.erase(v);
      }
      s = &sessions[id];
    }
    if (replace) s->turns.clear();
    for (const Turn& t : turns) {
      if (s->turns.size() == max_turns) s->turns.pop_front();
      s->turns.push_back(t);
    }
    touch(*s, now);
    while (!s->turns.empty() && turn_bytes(*s) > max_session_bytes) s->turns.pop_front();
    while (!s->turns.empty() && s->turns.front().role != Role::user) s->turns.pop_front();
    while (bytes() > max_bytes) {
      auto v = victim(s, false);
      if (v == sessions.end()) v = victim(s, true);
      if (v == sessions.end()) break;
      sessions.erase(v);
    }
  }
  bool erase(const std::string& id, SessionStore::clock::time_point now) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return false;
    const bool known = !expired(it->second, now) && !it->second.turns.empty();
    sessions.erase(it);
    return known;
  }
  std::size_t expire(SessionStore::clock::time_point now) {
    std::size_t dropped = 0;
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (expired(it->second, now) && !busy.count(it->first)) {
        it = sessions.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
    return dropped;
  }
};

}  // namespace

TEST_CASE("random operations agree with a simple model") {
  std::mt19937 rng(77);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const std::size_t session = session_overhead_bytes + 3 + 3 * sizeof(Turn);  // ids are "idN"

  struct Limits {
    std::size_t max_sessions, max_bytes, max_session_bytes;
  };
  for (Limits limits : {Limits{1, SIZE_MAX, SIZE_MAX}, Limits{2, SIZE_MAX, SIZE_MAX}, Limits{5, SIZE_MAX, SIZE_MAX},
                        Limits{5, 3 * session + 300, SIZE_MAX}, Limits{10, SIZE_MAX, 90},
                        Limits{10, 4 * session + 200, 120}}) {
    CAPTURE(limits.max_sessions, limits.max_bytes, limits.max_session_bytes);
    SessionStore store(3, limits.max_sessions, 40s, limits.max_bytes, limits.max_session_bytes);
    ModelStore model_store{3, limits.max_sessions, 40s, limits.max_bytes, limits.max_session_bytes, {}, {}, 0};
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back("id" + std::to_string(i));

    auto now = t0;
    bool agree = true;
    int step = 0;
    for (; step < 20000 && agree; ++step) {
      now += std::chrono::seconds(pick(10));
      const std::string& id = ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
      switch (pick(8)) {
        case 0:
        case 1:
        case 6: {
          std::vector<Turn> turns;
          const int n = pick(4);
          for (int i = 0; i < n; ++i)
            turns.push_back({pick(2) == 0 ? Role::user : Role::model, std::string(static_cast<std::size_t>(pick(60)), 'x') + std::to_string(step)});
          const bool replace = pick(4) == 0;
          if (replace) store.replace(id, std::vector<Turn>(turns), now);
          else store.append(id, turns, now);
          model_store.add(id, turns, replace, now);
          break;
        }
        case 2:
          agree = render(store.history(id, now)) == render(model_store.history(id, now));
          break;
        case 3: {
          const bool expected = model_store.busy.insert(id).second;
          agree = store.try_acquire(id) == expected;
          break;
        }
        case 4:
          if (model_store.busy.erase(id) == 1) store.release(id);
          break;
        case 5:
          agree = store.expire(now) == model_store.expire(now);
          break;
        case 7:
          agree = store.erase(id, now) == model_store.erase(id, now);
          break;
      }
      agree = agree && store.size() == model_store.sessions.size() && store.bytes() == model_store.bytes();
      agree = agree && store.bytes() <= std::max(limits.max_bytes, session + 3 * 90);
      for (const std::string& each : ids)
        agree = agree && store.contains(each) == (model_store.sessions.count(each) == 1);
    }
    CAPTURE(step);
    CHECK(agree);
  }
}
