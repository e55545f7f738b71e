// Tests for memory/session_store: history window, LRU eviction, busy flags, TTL, a model check.
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
  std::map<std::string, Session> sessions;
  std::set<std::string> busy;
  std::uint64_t seq = 0;

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
    auto first = s->turns.begin();
    while (first != s->turns.end() && first->role != Role::user) ++first;
    return std::vector<Turn>(first, s->turns.end());
  }
  void append(const std::string& id, const std::vector<Turn>& turns,
              SessionStore::clock::time_point now) {
    if (turns.empty()) return;
    Session* s = find_live(id, now);
    if (s == nullptr) {
      while (sessions.size() >= max_sessions) {
        auto victim = sessions.end();
        for (auto it = sessions.begin(); it != sessions.end(); ++it) {
          if (busy.count(it->first)) continue;
          if (victim == sessions.end() || it->second.last_use_seq < victim->second.last_use_seq)
            victim = it;
        }
        if (victim == sessions.end()) break;
        sessions.erase(victim);
      }
      s = &sessions[id];
    }
    for (const Turn& t : turns) {
      s->turns.push_back(t);
      if (s->turns.size() > max_turns) s->turns.pop_front();
    }
    touch(*s, now);
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

  for (std::size_t max_sessions : {1u, 2u, 5u}) {
    CAPTURE(max_sessions);
    SessionStore store(3, max_sessions, 40s);
    ModelStore model_store{3, max_sessions, 40s, {}, {}, 0};
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back("id" + std::to_string(i));

    auto now = t0;
    bool agree = true;
    int step = 0;
    for (; step < 20000 && agree; ++step) {
      now += std::chrono::seconds(pick(10));
      const std::string& id = ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
      switch (pick(6)) {
        case 0:
        case 1: {
          std::vector<Turn> turns;
          const int n = pick(4);
          for (int i = 0; i < n; ++i)
            turns.push_back({pick(2) == 0 ? Role::user : Role::model, std::to_string(step)});
          store.append(id, turns, now);
          model_store.append(id, turns, now);
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
      }
      agree = agree && store.size() == model_store.sessions.size();
      for (const std::string& each : ids)
        agree = agree && store.contains(each) == (model_store.sessions.count(each) == 1);
    }
    CAPTURE(step);
    CHECK(agree);
  }
}
