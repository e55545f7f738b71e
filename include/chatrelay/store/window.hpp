// The history a commit leaves (DESIGN.md §2 memory.*): the same rules for every store.
#pragma once

#include <cstddef>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::store {

// `stored` with `added` appended (or `added` alone when `replace`), then cut to the newest
// `max_messages` turns, then its oldest turns dropped while it costs more than `max_bytes`
// (memory::turn_cost each), then model turns left at its front dropped: a window starts at a
// user turn.
std::vector<memory::Turn> window_after(std::vector<memory::Turn> stored, std::vector<memory::Turn> added, bool replace,
                                       std::size_t max_messages, std::size_t max_bytes);

}  // namespace chatrelay::store
