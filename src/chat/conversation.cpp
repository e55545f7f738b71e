// Session keys, transcript windows, visible text.
#include "chatrelay/chat/conversation.hpp"

#include <algorithm>
#include <cassert>

namespace chatrelay::chat {

std::string session_key(std::string_view principal, std::string_view id) {
  if (principal.empty()) return std::string(id);
  std::string key;
  key.reserve(principal.size() + 1 + id.size());
  key.append(principal).append("/").append(id);
  return key;
}

void window_transcript(std::vector<memory::Turn>& turns, std::size_t max_history) {
  assert(!turns.empty() && turns.back().role == memory::Role::user);
  const std::size_t before = turns.size() - 1;
  std::size_t start = before > max_history ? before - max_history : 0;
  while (turns[start].role != memory::Role::user) ++start;  // stops at the final user turn at the latest
  turns.erase(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(start));
}

bool has_visible_text(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v'; });
}

}  // namespace chatrelay::chat
