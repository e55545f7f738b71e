// A session as one Redis value (DESIGN.md §3): JSON that starts with the turn ids, so the commit
// script can tell a retried commit without parsing the rest. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::store {

struct StoredValue {
  std::string turn;    // the id of the commit that wrote it
  std::string recent;  // the ids of the last commits, " a b c " (a retry finds its own id here)
  std::int64_t updated_ms = 0;
  std::vector<memory::Turn> turns;
};

// How many commit ids a value remembers: a commit retried after that many later turns is not
// recognised (it then conflicts, and is not applied either).
inline constexpr std::size_t remembered_turns = 16;

// {"turn":"…","recent":" … ","updated_ms":N,"messages":[["u","text"],["m","text"],…]}
std::string encode(const StoredValue& value);
// nullopt when `text` is not such a value.
std::optional<StoredValue> decode(std::string_view text);

// `recent` with `id` added, keeping the newest remembered_turns.
std::string remember(std::string_view recent, std::string_view id);

}  // namespace chatrelay::store
