// Whose a conversation is and what of it a turn sends: the store key of a session, and the window
// of a client's own transcript (DESIGN.md §1 "Who owns the transcript").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::chat {

// The store key of session `id` asked for by `principal` (http::Exchange::principal): the id
// itself without authentication, else scoped to the token, so another token's session of the same
// id is another session. Ids never contain '/', so the two kinds of key never meet.
std::string session_key(std::string_view principal, std::string_view id);

// Cuts a client's transcript (more than one turn, the last a user turn) to what is sent and kept:
// the final user turn and at most `max_history` turns before it, starting at a user turn. The
// texts are moved, not copied.
void window_transcript(std::vector<memory::Turn>& turns, std::size_t max_history);

// Whether an answer has any text a person would see (not only whitespace).
bool has_visible_text(std::string_view text);

}  // namespace chatrelay::chat
