// Validation of the POST /api/chat/stream body into a ChatRequest, with FastAPI-shaped errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::chat {

inline constexpr std::size_t max_messages = 64;
inline constexpr std::size_t max_session_id_length = 128;

struct ChatRequest {
  std::optional<std::string> session_id;  // absent: the handler makes one
  std::vector<memory::Turn> messages;     // the NEW turns; last one is a user turn
};

// A refusal before streaming: the HTTP status and the complete JSON body to send.
struct Rejection {
  int status;        // 400 malformed JSON, 422 schema violation
  std::string body;  // {"detail":"…"} or {"detail":[{"loc":[…],"msg":"…","type":"…"}]}
};

// Parses and validates `body` (JSON text). Unknown top-level fields are ignored as FastAPI does.
// Never throws on any input.
std::variant<ChatRequest, Rejection> parse_chat_request(std::string_view body);

bool valid_session_id(std::string_view id);

}  // namespace chatrelay::chat
