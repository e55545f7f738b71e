// Sessions in a hash map keyed by id, threaded on an intrusive LRU list (newest → oldest), with a
// running count of the bytes they hold.
#include "chatrelay/memory/session_store.hpp"

#include <cassert>
#include <type_traits>
#include <utility>

namespace chatrelay::memory {

SessionStore::SessionStore(std::size_t max_history_messages, std::size_t max_sessions, clock::duration ttl,
                           std::size_t max_bytes, std::size_t max_session_bytes)
    : max_history_messages_(max_history_messages),
      max_sessions_(max_sessions),
      ttl_(ttl),
      max_bytes_(max_bytes),
      max_session_bytes_(max_session_bytes) {
  assert(max_history_messages >= 1);
  assert(max_sessions >= 1);
}

SessionStore::Window SessionStore::window(std::string_view key, clock::time_point now) {
  Session* session = find_live(key, now);
  if (session == nullptr) return {};
  touch(*session, now);
  return {&session->turns, session->updated_at};
}

std::vector<Turn> SessionStore::history(std::string_view key, clock::time_point now) {
  const Window w = window(key, now);
  return std::vector<Turn>(w.begin(), w.end());
}

template <typename Turns>
void SessionStore::add_turns(std::string_view key, Turns&& turns, bool replace, clock::time_point now) {
  if (turns.empty() && !replace) return;
  Session* session = find_live(key, now);
  if (session == nullptr) {
    if (turns.empty()) return;
    session = &create(key);
  }
  if (replace) clear_turns(*session);
  for (auto& turn : turns) {
    if constexpr (std::is_rvalue_reference_v<Turns&&>) {
      push(*session, std::move(turn));
    } else {
      push(*session, Turn(turn));
    }
  }
  session->updated_at = wall_clock::now();
  touch(*session, now);
  enforce_budgets(*session);
}

void SessionStore::append(std::string_view key, const std::vector<Turn>& turns, clock::time_point now) {
  add_turns(key, turns, false, now);
}

void SessionStore::append(std::string_view key, std::vector<Turn>&& turns, clock::time_point now) {
  add_turns(key, std::move(turns), false, now);
}

void SessionStore::replace(std::string_view key, std::vector<Turn>&& turns, clock::time_point now) {
  add_turns(key, std::move(turns), true, now);
}

void SessionStore::push(Session& session, Turn&& turn) {
  // An answer grown by appends may hold twice its size; the budget counts what is kept.
  if (turn.text.capacity() > turn.text.size() + turn_overhead_bytes) turn.text.shrink_to_fit();
  if (session.turns.full()) pop_front(session);
  const std::size_t cost = turn_cost(turn);
  session.turn_bytes += cost;
  bytes_ += cost;
  session.turns.push_back(std::move(turn));
}

void SessionStore::pop_front(Session& session) {
  const std::size_t cost = turn_cost(session.turns.front());
  session.turn_bytes -= cost;
  bytes_ -= cost;
  session.turns.pop_front();
}

void SessionStore::clear_turns(Session& session) {
  while (!session.turns.empty()) pop_front(session);
}

void SessionStore::enforce_budgets(Session& session) {
  while (!session.turns.empty() && session.turn_bytes > max_session_bytes_) pop_front(session);
  // The window sent upstream must open with a user turn; model turns left at the front by the
  // trimming above (or by the ring) are never sent again, so they are not kept either.
  while (!session.turns.empty() && session.turns.front().role != Role::user) pop_front(session);
  while (bytes_ > max_bytes_ && evict_least_recent(&session, true)) {
  }
}

bool SessionStore::erase(std::string_view key, clock::time_point now) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return false;
  const bool known = !expired(it->second, now) && !it->second.turns.empty();
  erase_session(it->second);
  return known;
}

bool SessionStore::try_acquire(std::string_view key) {
  if (busy(key)) return false;
  busy_.emplace(key);
  return true;
}

void SessionStore::release(std::string_view key) {
  auto it = busy_.find(key);
  assert(it != busy_.end());
  if (it != busy_.end()) busy_.erase(it);
}

bool SessionStore::busy(std::string_view key) const {
  return !busy_.empty() && busy_.find(key) != busy_.end();
}

std::size_t SessionStore::expire(clock::time_point now) {
  std::size_t dropped = 0;
  Session* session = oldest_;
  // The list is ordered by last use, so everything past the first fresh session is fresh too.
  while (session != nullptr && expired(*session, now)) {
    Session* next = session->newer;
    if (!busy(*session->key)) {
      erase_session(*session);
      ++dropped;
    }
    session = next;
  }
  return dropped;
}

std::size_t SessionStore::size() const { return sessions_.size(); }

bool SessionStore::contains(std::string_view key) const { return sessions_.find(key) != sessions_.end(); }

SessionStore::Session* SessionStore::find_live(std::string_view key, clock::time_point now) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return nullptr;
  Session& session = it->second;
  if (!expired(session, now)) return &session;
  if (busy(key)) {
    // Its stream will append to it soon, so keep the entry but not the stale turns.
    clear_turns(session);
    return &session;
  }
  erase_session(session);
  return nullptr;
}

SessionStore::Session& SessionStore::create(std::string_view key) {
  while (sessions_.size() >= max_sessions_ && evict_least_recent(nullptr, false)) {
  }
  auto [it, inserted] = sessions_.try_emplace(std::string(key), max_history_messages_);
  assert(inserted);
  Session& session = it->second;
  session.key = &it->first;
  bytes_ += overhead(session);
  link_newest(session);
  return session;
}

// When every session is busy the store grows past max_sessions rather than lose a live stream's
// history; the next creation after they are released brings it back under the cap. The byte
// budget is harder: past it, busy sessions go too (their streams' commits start them afresh).
bool SessionStore::evict_least_recent(const Session* keep, bool busy_too) {
  for (Session* session = oldest_; session != nullptr; session = session->newer) {
    if (session != keep && !busy(*session->key)) {
      erase_session(*session);
      return true;
    }
  }
  if (!busy_too) return false;
  for (Session* session = oldest_; session != nullptr; session = session->newer) {
    if (session != keep) {
      erase_session(*session);
      return true;
    }
  }
  return false;
}

void SessionStore::erase_session(Session& session) {
  bytes_ -= session.turn_bytes + overhead(session);
  unlink(session);
  auto it = sessions_.find(*session.key);
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

std::size_t SessionStore::overhead(const Session& session) const {
  return session_overhead_bytes + session.key->size() + max_history_messages_ * sizeof(Turn);
}

}  // namespace chatrelay::memory
