// Quoting, TOML literals and typo suggestions.
#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <vector>

namespace chatrelay::config::detail {
namespace {

// Appends `text` escaped for a TOML basic string; line breaks stay literal when `multi_line`.
void append_escaped(std::string& out, std::string_view text, bool multi_line) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '"':
        // Inside """ only a quote that could start or end a closing """ needs the backslash.
        if (multi_line && i + 1 < text.size() && text[i + 1] != '"') {
          out += c;
        } else {
          out += "\\\"";
        }
        break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += multi_line ? "\n" : "\\n"; break;
      case '\t': out += multi_line ? "\t" : "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
}

// Edit distance counting a swap of two neighbours as one edit ("prot" → "port").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  append_escaped(out, text, false);
  out += '"';
  return out;
}

std::string toml_string(std::string_view text) {
  if (text.find('\n') == std::string_view::npos) return quote(text);
  // The line break right after the opening """ is not part of the value.
  std::string out = "\"\"\"\n";
  append_escaped(out, text, true);
  out += "\"\"\"";
  return out;
}

std::string toml_float(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string out(buf, ec == std::errc{} ? end : buf);
  if (out.find_first_of(".eni") == std::string::npos) out += ".0";
  return out;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view closest(std::string_view word, std::span<const std::string_view> candidates) {
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 2);
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (const auto candidate : candidates) {
    const std::size_t d = distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace chatrelay::config::detail
