// A stored session as the sessions API shows it: model turns are "assistant", as clients send them.
#include "chatrelay/chat/sessions.hpp"

#include <cstdio>
#include <ctime>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::chat {

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0));
  const int millis = static_cast<int>((ms % 1000 + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", millis);
  return buf;
}

std::string session_json(std::string_view id, const std::vector<memory::Turn>& window,
                         std::chrono::system_clock::time_point updated_at) {
  std::size_t text_bytes = 0;
  for (const auto& turn : window) text_bytes += turn.text.size();
  std::string messages;
  messages.reserve(text_bytes + text_bytes / 8 + 64);
  messages.push_back('[');
  for (const auto& turn : window) {
    if (messages.size() > 1) messages.push_back(',');
    json::ObjectWriter(messages)
        .string("role", turn.role == memory::Role::user ? "user" : "assistant")
        .string("content", turn.text)
        .close();
  }
  messages.push_back(']');
  std::string out;
  out.reserve(messages.size() + id.size() + 96);
  json::ObjectWriter(out)
      .string("session_id", id)
      .raw("messages", messages)
      .string("updated_at", rfc3339_utc(updated_at))
      .close();
  return out;
}

}  // namespace chatrelay::chat
