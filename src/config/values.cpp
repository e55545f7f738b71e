// Values before a key accepts them: converting environment text, describing a value in messages,
// wiping secrets, and the refusal that names what a key allows.
#include <charconv>

#include "assign.hpp"
#include "chatrelay/config/loader.hpp"

namespace chatrelay::config::detail {

namespace {

// What a secret looked like, without any of its characters.
std::string shape(const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    return "a string of " + std::to_string(s->size()) + " characters";
  }
  if (std::holds_alternative<std::vector<std::string>>(value)) return "an array";
  if (std::holds_alternative<bool>(value)) return "a boolean";
  if (const auto* other = std::get_if<Other>(&value)) return other->what;
  return "a number";
}

}  // namespace

[[noreturn]] void reject(const Key& key, const Value& value) {
  throw Rejected("expected " + std::string(key.allowed) + " (got " +
                 (key.secret ? shape(value) : describe_value(value)) + ")");
}

// ["a", "b"] as TOML writes an array of strings.
std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ", ";
    out += quote(item);
  }
  return out + "]";
}

Value from_text(const Key& key, std::string_view text, const std::string& where) {
  const std::string_view t = trim(text);
  switch (key.kind) {
    case Kind::boolean: {
      const std::string word = to_lower(t);
      if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
      if (word == "false" || word == "0" || word == "no" || word == "off") return false;
      break;
    }
    case Kind::integer: {
      std::int64_t i = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
      if (!t.empty() && ec == std::errc{} && end == t.data() + t.size()) return i;
      break;
    }
    case Kind::number: {
      double d = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      if (!t.empty() && ec == std::errc{} && end == t.data() + t.size()) return d;
      break;
    }
    case Kind::text_list:
      return parse_origins(text, where);
    case Kind::text:
      break;
  }
  return std::string(text);
}

void wipe(Value& value) {
  if (auto* text = std::get_if<std::string>(&value)) chatrelay::wipe(*text);
  if (auto* list = std::get_if<std::vector<std::string>>(&value))
    for (auto& item : *list) chatrelay::wipe(item);
}

std::string describe_value(const Value& value) {
  constexpr std::size_t max_chars = 80;
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return toml_float(d); }
    std::string operator()(const std::string& s) const {
      if (s.size() <= max_chars) return quote(s);
      std::size_t cut = max_chars - 3;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      return quote(std::string_view(s).substr(0, cut)) + "...";
    }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out = "[";
      for (const auto& item : list) {
        if (out.size() > 1) out += ", ";
        out += (*this)(item);
      }
      return out + "]";
    }
    std::string operator()(const Other& other) const { return other.what; }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace chatrelay::config::detail
