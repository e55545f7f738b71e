// Conversation history per session id: bounded count (LRU eviction), bounded age (TTL), bounded
// turns per session (RingBuffer of max_history_messages).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/memory/ring_buffer.hpp"

namespace chatrelay::memory {

enum class Role { user, model };

struct Turn {
  Role role;
  std::string text;
};

class SessionStore {
 public:
  using clock = std::chrono::steady_clock;

  SessionStore(std::size_t max_history_messages, std::size_t max_sessions,
               clock::duration ttl);

  // The stored turns for `id`, oldest first, trimmed so the window starts with a user turn.
  // Touches the session (LRU) when it exists; expired sessions are dropped and read as empty.
  std::vector<Turn> history(std::string_view id, clock::time_point now = clock::now());

  // Appends turns in order (the ring keeps the newest max_history_messages). Creates the
  // session when missing, evicting the least recently used one when max_sessions is reached.
  void append(std::string_view id, const std::vector<Turn>& turns,
              clock::time_point now = clock::now());

  // Marks `id` as streaming. False when it already is (the caller answers 409). A busy session
  // is never evicted or expired while busy.
  bool try_acquire(std::string_view id);
  void release(std::string_view id);

  // Drops sessions idle for longer than the TTL; returns how many were dropped.
  std::size_t expire(clock::time_point now = clock::now());

  std::size_t size() const;
};

}  // namespace chatrelay::memory
