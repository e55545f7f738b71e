// MemoryStore: the SessionStore calls mapped onto memory::SessionStore.
#include "chatrelay/store/memory_store.hpp"

namespace chatrelay::store {

awaitable<std::optional<Session>> MemoryStore::read(std::string key) {
  const auto window = sessions_.window(key);
  if (window.empty()) co_return std::nullopt;
  Session s;
  s.turns.reserve(window.size());
  for (const auto& turn : window) s.turns.push_back(turn);
  s.updated_at = window.updated_at;
  co_return s;
}

awaitable<void> MemoryStore::commit(Commit c) {
  if (c.replace) sessions_.replace(c.key, std::move(c.turns));
  else sessions_.append(c.key, std::move(c.turns));
  if (!c.lease.empty()) sessions_.release(c.key);
  co_return;
}

awaitable<std::optional<std::string>> MemoryStore::acquire(std::string key) {
  if (!sessions_.try_acquire(key)) co_return std::nullopt;
  co_return std::string("memory");
}

void MemoryStore::release(std::string key, std::string lease) {
  if (!lease.empty()) sessions_.release(key);
}

awaitable<Erased> MemoryStore::erase(std::string key) {
  if (sessions_.busy(key)) co_return Erased::busy;
  co_return sessions_.erase(key) ? Erased::erased : Erased::not_found;
}

awaitable<std::optional<double>> MemoryStore::take_turn(std::string key) { co_return limiter_.acquire(key); }

}  // namespace chatrelay::store
