// Validation of the POST /api/chat/stream body into a ChatRequest, and of a {session_id} path
// parameter, with FastAPI's statuses and error shapes (DESIGN.md §1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::chat {

inline constexpr std::size_t max_messages = 500;
inline constexpr std::size_t max_session_id_length = 128;

struct ChatRequest {
  std::optional<std::string> session_id;  // absent: the handler makes one
  std::vector<memory::Turn> messages;     // the user and model turns, in order; the last is a user turn
  std::vector<std::string> system;        // the system messages' texts, in order
};

// A refusal before streaming: the HTTP status and the complete JSON body to send.
struct Rejection {
  int status;        // 422 (schema, invalid JSON, not JSON), 400 (a body Python could not decode)
  std::string body;  // {"detail":"…"} or {"detail":[{"type":"…","loc":[…],"msg":"…",…}]}
};

// Whether FastAPI reads a body with this Content-Type as JSON: none (or empty), or a media type
// application/json or application/*+json, parameters and case aside.
bool is_json_media_type(std::string_view content_type);

// Parses and validates `body` sent with `content_type` ("" when the header was absent). Unknown
// top-level fields are ignored as FastAPI does. Never throws on any input.
std::variant<ChatRequest, Rejection> parse_chat_request(std::string_view body,
                                                        std::string_view content_type = "");

bool valid_session_id(std::string_view id);

// A /api/sessions/{session_id} path segment as FastAPI hands it over: percent-decoded. nullopt
// when it decodes to something that is not one segment (FastAPI would not route it at all).
std::optional<std::string> decode_path_segment(std::string_view segment);
// The 422 FastAPI gives a {session_id} path parameter that breaks the id rules; nullopt when valid.
std::optional<Rejection> check_session_id_param(std::string_view id);

}  // namespace chatrelay::chat
