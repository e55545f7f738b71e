// The JSON of GET /api/sessions/{id} (DESIGN.md §1 "Sessions").
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::chat {

// `t` as RFC 3339 in UTC with milliseconds, as JavaScript's toISOString writes it:
// "2025-05-01T12:34:56.789Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

// {"session_id":…,"messages":[{"role":"user"|"assistant","content":…},…],"updated_at":"…"}
std::string session_json(std::string_view id, const std::vector<memory::Turn>& turns,
                         std::chrono::system_clock::time_point updated_at);

}  // namespace chatrelay::chat
