// Conversation history per session id: bounded count (LRU eviction), bounded age (TTL), bounded
// turns per session (RingBuffer of max_history_messages).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
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

// Single-threaded: owned by the event loop, no locks.
class SessionStore {
 public:
  using clock = std::chrono::steady_clock;

  // Requires max_history_messages >= 1 and max_sessions >= 1.
  SessionStore(std::size_t max_history_messages, std::size_t max_sessions,
               clock::duration ttl);
  // Sessions link to each other by address, so the store stays where it was made.
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // The stored turns for `id`, oldest first, trimmed so the window starts with a user turn.
  // Touches the session (LRU) when it exists; expired sessions are dropped and read as empty.
  std::vector<Turn> history(std::string_view id, clock::time_point now = clock::now());

  // Appends turns in order (the ring keeps the newest max_history_messages). Creates the
  // session when missing, evicting the least recently used one when max_sessions is reached.
  // An expired session starts over empty.
  void append(std::string_view id, const std::vector<Turn>& turns,
              clock::time_point now = clock::now());
  // Same, moving the texts in rather than copying them.
  void append(std::string_view id, std::vector<Turn>&& turns,
              clock::time_point now = clock::now());

  // Marks `id` as streaming. False when it already is (the caller answers 409). A busy session
  // is never evicted or expired while busy; an id may be busy before its session exists.
  bool try_acquire(std::string_view id);
  void release(std::string_view id);  // requires a successful try_acquire(id) before

  // Drops sessions idle for longer than the TTL; returns how many were dropped. Sweeps from the
  // least recently used end and stops at the first fresh session, so it is cheap to call often.
  std::size_t expire(clock::time_point now = clock::now());

  std::size_t size() const;
  // Whether a session is stored for `id` (expired or not); does not touch it.
  bool contains(std::string_view id) const;

 private:
  // Hashes std::string and std::string_view alike, so lookups by string_view do not allocate.
  struct id_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>{}(id);
    }
  };

  struct Session {
    explicit Session(std::size_t max_turns) : turns(max_turns) {}

    RingBuffer<Turn> turns;
    clock::time_point last_used;
    // Intrusive LRU list; unordered_map nodes never move, so these addresses stay valid.
    Session* newer = nullptr;
    Session* older = nullptr;
    const std::string* id = nullptr;  // the map key, to erase from the list's end
  };

  template <typename Turns>
  void append_turns(std::string_view id, Turns&& turns, clock::time_point now);

  // The live session for `id`, or null. An expired one is dropped, or emptied when busy.
  Session* find_live(std::string_view id, clock::time_point now);
  Session& create(std::string_view id);
  bool evict_least_recent();
  void erase(Session& session);
  void touch(Session& session, clock::time_point now);
  void link_newest(Session& session);
  void unlink(Session& session);
  bool expired(const Session& session, clock::time_point now) const;
  bool busy(std::string_view id) const;

  std::size_t max_history_messages_;
  std::size_t max_sessions_;
  clock::duration ttl_;
  std::unordered_map<std::string, Session, id_hash, std::equal_to<>> sessions_;
  std::unordered_set<std::string, id_hash, std::equal_to<>> busy_;
  Session* newest_ = nullptr;
  Session* oldest_ = nullptr;
};

}  // namespace chatrelay::memory
