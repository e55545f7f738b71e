// ALLOWED_ORIGINS as the FastAPI backend took it: a JSON array of strings or a comma-separated list.
// The entries' form (scheme://host[:port]) is checked by the key, for every source alike.
#include <string>

#include "chatrelay/config/loader.hpp"
#include "text.hpp"

namespace chatrelay::config {
namespace {

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Just enough JSON for an array of strings.
class JsonStringArray {
 public:
  JsonStringArray(std::string_view text, const std::string& origin)
      : text_(text), origin_(origin) {}

  std::vector<std::string> parse() {
    std::vector<std::string> items;
    expect('[');
    skip_space();
    if (peek() == ']') {
      ++pos_;
    } else {
      while (true) {
        skip_space();
        items.push_back(string());
        skip_space();
        if (peek() == ']') {
          ++pos_;
          break;
        }
        expect(',');
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing ']'");
    return items;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "' at character " + std::to_string(pos_ + 1));
    ++pos_;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(origin_ + ": " + what +
                      "; write a JSON array of strings like [\"https://app.example.com\"] or a "
                      "comma-separated list");
  }

  std::uint32_t hex4() {
    if (pos_ + 4 > text_.size()) fail("incomplete \\u escape");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        fail("bad \\u escape");
      }
    }
    return v;
  }

  std::string string() {
    if (peek() != '"') fail("expected a string at character " + std::to_string(pos_ + 1));
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("a string is never closed");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("a string is never closed");
      switch (const char e = text_[pos_++]) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair encodes one code point
            if (text_.substr(pos_, 2) != "\\u") fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, static_cast<char32_t>(cp));
          break;
        }
        default: fail(std::string("unknown escape \\") + e);
      }
    }
  }

  std::string_view text_;
  const std::string& origin_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::string> parse_origins(std::string_view text, const std::string& origin) {
  const std::string_view t = detail::trim(text);
  std::vector<std::string> items;
  if (t.starts_with('[')) {
    items = JsonStringArray(t, origin).parse();
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
