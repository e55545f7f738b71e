// The session value's JSON, written with json::ObjectWriter and read with json::Reader.
#include "chatrelay/store/session_codec.hpp"

#include "chatrelay/json/reader.hpp"
#include "chatrelay/json/writer.hpp"

namespace chatrelay::store {

std::string encode(const StoredValue& value) {
  std::size_t bytes = 96 + value.recent.size();
  for (const auto& t : value.turns) bytes += t.text.size() + t.text.size() / 8 + 8;
  std::string messages;
  messages.reserve(bytes);
  messages.push_back('[');
  for (const auto& t : value.turns) {
    if (messages.size() > 1) messages.push_back(',');
    messages += t.role == memory::Role::user ? "[\"u\"," : "[\"m\",";
    json::append_string(messages, t.text);
    messages.push_back(']');
  }
  messages.push_back(']');
  std::string out;
  out.reserve(messages.size() + 96 + value.recent.size());
  // "turn" first and "recent" second: the commit script reads them by position (redis_store.cpp).
  json::ObjectWriter(out)
      .string("turn", value.turn)
      .string("recent", value.recent)
      .number("updated_ms", value.updated_ms)
      .raw("messages", messages)
      .close();
  return out;
}

std::optional<StoredValue> decode(std::string_view text) {
  json::Reader reader;
  auto root = reader.parse(text);
  if (!root) return std::nullopt;
  StoredValue out;
  auto turn = root->member("turn");
  auto recent = root->member("recent");
  auto updated = root->member("updated_ms");
  auto messages = root->member("messages");
  if (!turn || !turn->string() || !recent || !recent->string() || !updated || !updated->integer() || !messages)
    return std::nullopt;
  out.turn = *turn->string();
  out.recent = *recent->string();
  out.updated_ms = *updated->integer();
  bool ok = messages->items([&](json::Value m) {
    if (m.size() != 2u) return false;
    std::optional<std::string_view> role, content;
    int i = 0;
    m.items([&](json::Value v) {
      (i++ == 0 ? role : content) = v.string();
      return true;
    });
    if (!role || !content || (*role != "u" && *role != "m")) return false;
    out.turns.push_back({*role == "u" ? memory::Role::user : memory::Role::model, std::string(*content)});
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::string remember(std::string_view recent, std::string_view id) {
  std::vector<std::string_view> ids;
  std::size_t pos = 0;
  while (pos < recent.size()) {
    const auto space = recent.find(' ', pos);
    const auto end = space == std::string_view::npos ? recent.size() : space;
    if (end > pos) ids.push_back(recent.substr(pos, end - pos));
    pos = end + 1;
  }
  ids.push_back(id);
  const std::size_t first = ids.size() > remembered_turns ? ids.size() - remembered_turns : 0;
  std::string out = " ";
  for (std::size_t i = first; i < ids.size(); ++i) {
    out.append(ids[i]);
    out.push_back(' ');
  }
  return out;
}

}  // namespace chatrelay::store
