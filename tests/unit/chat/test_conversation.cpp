// Session keys scoped by token, transcript windows, visible text.
#include "chatrelay/chat/conversation.hpp"

#include <catch2/catch.hpp>

using chatrelay::chat::has_visible_text;
using chatrelay::chat::session_key;
using chatrelay::chat::window_transcript;
using chatrelay::memory::Role;
using chatrelay::memory::Turn;

namespace {

std::vector<std::string> texts(const std::vector<Turn>& turns) {
  std::vector<std::string> out;
  for (const Turn& t : turns) out.push_back(t.text);
  return out;
}

Turn numbered(Role role, int i) {
  std::string text(1, role == Role::user ? 'u' : 'm');
  text += std::to_string(i);
  return {role, text};
}

std::vector<Turn> alternating(int n) {  // u1 m1 u2 m2 … ending with a user turn
  std::vector<Turn> turns;
  for (int i = 1; i <= n; ++i) {
    turns.push_back(numbered(Role::user, i));
    if (i < n) turns.push_back(numbered(Role::model, i));
  }
  return turns;
}

}  // namespace

TEST_CASE("session_key: the id alone without auth, scoped to the token with it") {
  CHECK(session_key("", "abc") == "abc");
  CHECK(session_key("3f1c9a", "abc") == "3f1c9a/abc");
  CHECK(session_key("3f1c9a", "abc") != session_key("77aa00", "abc"));
}

TEST_CASE("window_transcript: the final user turn and the newest turns before it, from a user turn") {
  auto turns = alternating(4);  // u1 m1 u2 m2 u3 m3 u4
  window_transcript(turns, 10);
  CHECK(texts(turns) == std::vector<std::string>{"u1", "m1", "u2", "m2", "u3", "m3", "u4"});
  turns = alternating(4);
  window_transcript(turns, 4);
  CHECK(texts(turns) == std::vector<std::string>{"u2", "m2", "u3", "m3", "u4"});
  turns = alternating(4);
  window_transcript(turns, 3);  // m2 u3 m3: starts at u3
  CHECK(texts(turns) == std::vector<std::string>{"u3", "m3", "u4"});
  turns = alternating(4);
  window_transcript(turns, 1);  // m3 only: nothing before u4
  CHECK(texts(turns) == std::vector<std::string>{"u4"});
  std::vector<Turn> models = {{Role::model, "a"}, {Role::model, "b"}, {Role::user, "q"}};
  window_transcript(models, 10);
  CHECK(texts(models) == std::vector<std::string>{"q"});
}

TEST_CASE("has_visible_text") {
  CHECK(has_visible_text("a"));
  CHECK(has_visible_text("\n\n x"));
  CHECK_FALSE(has_visible_text(""));
  CHECK_FALSE(has_visible_text(" \n\t\r\n"));
}
