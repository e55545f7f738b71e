// ALLOWED_ORIGINS as the FastAPI backend took it: a JSON array of strings or a comma-separated list.
// The entries' form (scheme://host[:port]) is checked by the key, for every source alike.
#include <string>

#include "chatrelay/config/loader.hpp"
#include "chatrelay/json/reader.hpp"
#include "text.hpp"

namespace chatrelay::config {
namespace {

// A JSON array of strings, read by the project's JSON reader. Throws ConfigError naming `origin`.
std::vector<std::string> json_string_array(std::string_view text, const std::string& origin) {
  const auto fail = [&origin](std::string_view what) {
    throw ConfigError(origin + ": " + std::string(what) +
                      "; write a JSON array of strings like [\"https://app.example.com\"] or a "
                      "comma-separated list");
  };
  json::Reader reader;
  json::ParseError error;
  const auto root = reader.parse(text, &error);
  if (!root) fail("not valid JSON (" + std::string(error.message) + ")");
  std::vector<std::string> items;
  const bool strings = root->items([&](json::Value item) {
    const auto s = item.string();
    if (s) items.emplace_back(*s);
    return s.has_value();
  });
  if (!strings) fail("expected an array of strings");
  return items;
}

}  // namespace

std::vector<std::string> parse_origins(std::string_view text, const std::string& origin) {
  const std::string_view t = detail::trim(text);
  std::vector<std::string> items;
  if (t.starts_with('[')) {
    items = json_string_array(t, origin);
  } else {
    std::size_t start = 0;
    while (start <= t.size()) {
      const auto comma = t.find(',', start);
      const auto end = comma == std::string_view::npos ? t.size() : comma;
      items.emplace_back(t.substr(start, end - start));
      start = end + 1;
    }
  }
  std::vector<std::string> origins;
  for (const auto& item : items) {
    const auto trimmed = detail::trim(item);
    if (!trimmed.empty()) origins.emplace_back(trimmed);
  }
  return origins;
}

}  // namespace chatrelay::config
