// The session store the chat handlers see (DESIGN.md §3): history read and committed per turn, the
// busy lease behind 409, and the per-session rate limit, in this process or in Redis. Handlers do
// not know which one they have.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::store {

using memory::Role;
using memory::Turn;

// The store cannot read or write history now (Redis down, slow, restarted): the turn ends with
// `history_unavailable` and nothing is half-written. `what()` is for the log.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why a store call could not be served: what its Unavailable said, for the log.
struct Failure {
  std::string reason;
};

// Awaits a store call and gives its result, or the Failure it ended with: a value, so that the
// caller can then co_await its answer to the client (which a catch block cannot).
template <typename T>
awaitable<std::variant<T, Failure>> attempt(awaitable<T> call) {
  try {
    co_return co_await std::move(call);
  } catch (const Unavailable& e) {
    co_return Failure{e.what()};
  }
}
inline awaitable<std::optional<Failure>> attempt(awaitable<void> call) {
  try {
    co_await std::move(call);
  } catch (const Unavailable& e) {
    co_return Failure{e.what()};
  }
  co_return std::nullopt;
}

struct Session {
  std::vector<Turn> turns;  // oldest first, starting at a user turn
  std::chrono::system_clock::time_point updated_at;
  // Opaque to the handlers: what a commit on top of this read needs to know it still is (Redis:
  // the ids of the last commits); "" for the in-process store.
  std::string version;
};

struct Commit {
  std::string key;
  std::string turn_id;       // unique per turn: the same commit sent twice is applied once
  // The history the turn read (an append builds on it, and the store need not read it again);
  // with `base_read` false the store reads what is stored itself.
  std::optional<Session> base;
  bool base_read = false;
  std::vector<Turn> turns;   // the new turns (appended), or a client's whole transcript (replace)
  bool replace = false;
  std::string lease;         // released with the commit
};

enum class Erased { erased, not_found, busy };

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // The stored session, nullopt when there is none (unknown, expired, deleted). Throws Unavailable.
  virtual awaitable<std::optional<Session>> read(std::string key) = 0;
  // The window after the turn (DESIGN.md §2 limits) written, and the lease released, together.
  // Throws Unavailable (then nothing was written).
  virtual awaitable<void> commit(Commit commit) = 0;

  // The busy lease of a streaming session: a token, or nullopt when another turn holds it.
  // Throws Unavailable.
  virtual awaitable<std::optional<std::string>> acquire(std::string key) = 0;
  // Keeps a lease alive; how often it must be called (zero: a lease that never expires).
  virtual awaitable<void> renew(std::string key, std::string lease) = 0;
  virtual std::chrono::steady_clock::duration renew_every() const = 0;
  // Gives a lease back without committing; never throws (a lease not given back expires).
  virtual void release(std::string key, std::string lease) = 0;

  // Forgets a session unless it streams. Throws Unavailable.
  virtual awaitable<Erased> erase(std::string key) = 0;

  // Takes one chat turn from the session's rate limit (server.session_rate_per_s): nullopt when
  // allowed, else the seconds to wait. Throws Unavailable.
  virtual awaitable<std::optional<double>> take_turn(std::string key) = 0;

  // Whether the store answers now, for GET /ready.
  virtual awaitable<bool> ready() = 0;
};

}  // namespace chatrelay::store
