// Sessions in a hash map keyed by id, threaded on an intrusive LRU list (newest → oldest).
#include "chatrelay/memory/session_store.hpp"

#include <algorithm>
#include <cassert>
#include <type_traits>
#include <utility>

namespace chatrelay::memory {

SessionStore::SessionStore(std::size_t max_history_messages, std::size_t max_sessions,
                           clock::duration ttl)
    : max_history_messages_(max_history_messages), max_sessions_(max_sessions), ttl_(ttl) {
  assert(max_history_messages >= 1);
  assert(max_sessions >= 1);
}

std::vector<Turn> SessionStore::history(std::string_view id, clock::time_point now) {
  Session* session = find_live(id, now);
  if (session == nullptr) return {};
  touch(*session, now);
  // Overwriting the oldest turns can leave model turns at the front; the window sent upstream
  // must open with a user turn.
  const RingBuffer<Turn>& turns = session->turns;
  auto first_user =
      std::find_if(turns.begin(), turns.end(), [](const Turn& t) { return t.role == Role::user; });
  return std::vector<Turn>(first_user, turns.end());
}

template <typename Turns>
void SessionStore::append_turns(std::string_view id, Turns&& turns, clock::time_point now) {
  if (turns.empty()) return;
  Session* session = find_live(id, now);
  if (session == nullptr) session = &create(id);
  for (auto& turn : turns) {
    if constexpr (std::is_rvalue_reference_v<Turns&&>) {
      session->turns.push_back(std::move(turn));
    } else {
      session->turns.push_back(turn);
    }
  }
  touch(*session, now);
}

void SessionStore::append(std::string_view id, const std::vector<Turn>& turns,
                          clock::time_point now) {
  append_turns(id, turns, now);
}

void SessionStore::append(std::string_view id, std::vector<Turn>&& turns, clock::time_point now) {
  append_turns(id, std::move(turns), now);
}

bool SessionStore::try_acquire(std::string_view id) {
  if (busy(id)) return false;
  busy_.emplace(id);
  return true;
}

void SessionStore::release(std::string_view id) {
  auto it = busy_.find(id);
  assert(it != busy_.end());
  if (it != busy_.end()) busy_.erase(it);
}

std::size_t SessionStore::expire(clock::time_point now) {
  std::size_t dropped = 0;
  Session* session = oldest_;
  // The list is ordered by last use, so everything past the first fresh session is fresh too.
  while (session != nullptr && expired(*session, now)) {
    Session* next = session->newer;
    if (!busy(*session->id)) {
      erase(*session);
      ++dropped;
    }
    session = next;
  }
  return dropped;
}

std::size_t SessionStore::size() const { return sessions_.size(); }

bool SessionStore::contains(std::string_view id) const {
  return sessions_.find(id) != sessions_.end();
}

SessionStore::Session* SessionStore::find_live(std::string_view id, clock::time_point now) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  Session& session = it->second;
  if (!expired(session, now)) return &session;
  if (busy(id)) {
    // Its stream will append to it soon, so keep the entry but not the stale turns.
    session.turns.clear();
    return &session;
  }
  erase(session);
  return nullptr;
}

SessionStore::Session& SessionStore::create(std::string_view id) {
  while (sessions_.size() >= max_sessions_ && evict_least_recent()) {
  }
  auto [it, inserted] = sessions_.try_emplace(std::string(id), max_history_messages_);
  assert(inserted);
  Session& session = it->second;
  session.id = &it->first;
  link_newest(session);
  return session;
}

// When every session is busy the store grows past max_sessions rather than lose a live stream's
// history; the next creation after they are released brings it back under the cap.
bool SessionStore::evict_least_recent() {
  for (Session* session = oldest_; session != nullptr; session = session->newer) {
    if (!busy(*session->id)) {
      erase(*session);
      return true;
    }
  }
  return false;
}

void SessionStore::erase(Session& session) {
  unlink(session);
  auto it = sessions_.find(*session.id);
  assert(it != sessions_.end());
  sessions_.erase(it);
}

void SessionStore::touch(Session& session, clock::time_point now) {
  session.last_used = now;
  if (newest_ == &session) return;
  unlink(session);
  link_newest(session);
}

void SessionStore::link_newest(Session& session) {
  session.older = newest_;
  session.newer = nullptr;
  if (newest_ != nullptr) newest_->newer = &session;
  newest_ = &session;
  if (oldest_ == nullptr) oldest_ = &session;
}

void SessionStore::unlink(Session& session) {
  (session.newer != nullptr ? session.newer->older : newest_) = session.older;
  (session.older != nullptr ? session.older->newer : oldest_) = session.newer;
  session.newer = nullptr;
  session.older = nullptr;
}

bool SessionStore::expired(const Session& session, clock::time_point now) const {
  return now - session.last_used > ttl_;
}

bool SessionStore::busy(std::string_view id) const {
  return !busy_.empty() && busy_.find(id) != busy_.end();
}

}  // namespace chatrelay::memory
