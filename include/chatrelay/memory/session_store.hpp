// Conversation history per session key: bounded count (LRU eviction), bounded age (TTL), bounded
// turns per session (RingBuffer of max_history_messages) and bounded bytes, per session and in all
// (DESIGN.md §2 memory.*).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chatrelay/memory/ring_buffer.hpp"

namespace chatrelay::memory {

enum class Role { user, model };

struct Turn {
  Role role;
  std::string text;
};

// What the byte budgets count. A turn costs its text plus the allocator's header and rounding of
// the text's heap block; a session costs its hash-map node (key and Session), the id's heap block,
// its bucket and its ring's preallocated slots (sizeof(Turn) each, on top of this constant).
// Estimates for glibc on 64-bit, rounded up.
inline constexpr std::size_t turn_overhead_bytes = 24;
inline constexpr std::size_t session_overhead_bytes = 192;
inline std::size_t turn_cost(const Turn& turn) { return turn.text.size() + turn_overhead_bytes; }

// Single-threaded: owned by the event loop, no locks.
class SessionStore {
 public:
  using clock = std::chrono::steady_clock;
  using wall_clock = std::chrono::system_clock;

  // Requires max_history_messages >= 1 and max_sessions >= 1. `max_session_bytes` bounds one
  // session's turns (turn_cost each); `max_bytes` bounds all sessions together, their overhead
  // included.
  SessionStore(std::size_t max_history_messages, std::size_t max_sessions, clock::duration ttl,
               std::size_t max_bytes = SIZE_MAX, std::size_t max_session_bytes = SIZE_MAX);
  // Sessions link to each other by address, so the store stays where it was made.
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // A session's stored turns, oldest first; they always start with a user turn. A view into the
  // store: valid until the store is next modified.
  struct Window {
    const RingBuffer<Turn>* turns = nullptr;  // null: no live session
    wall_clock::time_point updated_at;        // when the turns last changed

    RingBuffer<Turn>::const_iterator begin() const { return turns ? turns->begin() : RingBuffer<Turn>::const_iterator(); }
    RingBuffer<Turn>::const_iterator end() const { return turns ? turns->end() : RingBuffer<Turn>::const_iterator(); }
    std::size_t size() const { return turns ? turns->size() : 0; }
    bool empty() const { return size() == 0; }
  };

  // The stored turns for `key`. Touches the session (LRU) when it exists; an expired session is
  // dropped and reads as empty.
  Window window(std::string_view key, clock::time_point now = clock::now());
  // The same turns, copied.
  std::vector<Turn> history(std::string_view key, clock::time_point now = clock::now());

  // Appends turns in order, then applies the limits: the ring keeps the newest
  // max_history_messages, the oldest turns go while the session is over max_session_bytes, model
  // turns left at the front go (a window starts at a user turn), and least recently used sessions
  // go while the store is over max_bytes. Creates the session when missing, evicting the least
  // recently used one when max_sessions is reached. An expired session starts over empty. Texts
  // of rvalue turns are moved in.
  void append(std::string_view key, const std::vector<Turn>& turns, clock::time_point now = clock::now());
  void append(std::string_view key, std::vector<Turn>&& turns, clock::time_point now = clock::now());
  // Like append, but the stored turns are replaced by `turns` (a client's own transcript).
  void replace(std::string_view key, std::vector<Turn>&& turns, clock::time_point now = clock::now());

  // Forgets `key`'s session. Returns whether it held any turns (a live session; an expired one
  // reads as unknown). The busy mark, if any, is not the store's to drop.
  bool erase(std::string_view key, clock::time_point now = clock::now());

  // Marks `key` as streaming. False when it already is (the caller answers 409). A busy session
  // is never expired, nor evicted to keep max_sessions; an id may be busy before its session exists.
  bool try_acquire(std::string_view key);
  void release(std::string_view key);  // requires a successful try_acquire(key) before
  bool busy(std::string_view key) const;

  // Drops sessions idle for longer than the TTL; returns how many were dropped. Sweeps from the
  // least recently used end and stops at the first fresh session, so it is cheap to call often.
  std::size_t expire(clock::time_point now = clock::now());

  std::size_t size() const;
  // What the byte budget counts now: every stored turn and session (see turn_cost).
  std::size_t bytes() const { return bytes_; }
  // Whether a session is stored for `key` (expired or not); does not touch it.
  bool contains(std::string_view key) const;

 private:
  // Hashes std::string and std::string_view alike, so lookups by string_view do not allocate.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept { return std::hash<std::string_view>{}(key); }
  };

  struct Session {
    explicit Session(std::size_t max_turns) : turns(max_turns) {}

    RingBuffer<Turn> turns;
    std::size_t turn_bytes = 0;  // turn_cost of every turn held
    clock::time_point last_used;
    wall_clock::time_point updated_at;
    // Intrusive LRU list; unordered_map nodes never move, so these addresses stay valid.
    Session* newer = nullptr;
    Session* older = nullptr;
    const std::string* key = nullptr;  // the map key, to erase from the list's end
  };

  template <typename Turns>
  void add_turns(std::string_view key, Turns&& turns, bool replace, clock::time_point now);
  void push(Session& session, Turn&& turn);
  void pop_front(Session& session);
  void clear_turns(Session& session);
  void enforce_budgets(Session& session);

  // The live session for `key`, or null. An expired one is dropped, or emptied when busy.
  Session* find_live(std::string_view key, clock::time_point now);
  Session& create(std::string_view key);
  // Erases the least recently used session other than `keep`: one that is not busy, or when
  // `busy_too`, a busy one once no other is left. False when there is none.
  bool evict_least_recent(const Session* keep, bool busy_too);
  void erase_session(Session& session);
  void touch(Session& session, clock::time_point now);
  void link_newest(Session& session);
  void unlink(Session& session);
  bool expired(const Session& session, clock::time_point now) const;
  std::size_t overhead(const Session& session) const;

  std::size_t max_history_messages_;
  std::size_t max_sessions_;
  clock::duration ttl_;
  std::size_t max_bytes_;
  std::size_t max_session_bytes_;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, Session, key_hash, std::equal_to<>> sessions_;
  std::unordered_set<std::string, key_hash, std::equal_to<>> busy_;
  Session* newest_ = nullptr;
  Session* oldest_ = nullptr;
};

}  // namespace chatrelay::memory
