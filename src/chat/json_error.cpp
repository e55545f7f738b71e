// A JSON scanner that mirrors CPython's C decoder (Modules/_json.c and json/decoder.py) step for
// step, only to find where it gives up: the JSON reader says that a text is invalid, not where. It runs
// on the refusal path only, so it is written for exactness, not speed.
#include "chatrelay/chat/json_error.hpp"

#include <vector>

namespace chatrelay::chat {
namespace {

constexpr std::string_view expecting_value = "Expecting value";
constexpr std::string_view expecting_name = "Expecting property name enclosed in double quotes";
constexpr std::string_view expecting_colon = "Expecting ':' delimiter";
constexpr std::string_view expecting_comma = "Expecting ',' delimiter";

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned hex_value(char c) {
  return is_digit(c) ? static_cast<unsigned>(c - '0') : static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

// Positions here are byte offsets; the caller turns the error's into characters at the end.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  std::optional<JsonSyntaxError> run() {
    i_ = skip_ws(0);
    if (!value()) return error_;
    for (;;) {
      if (stack_.empty()) {
        const std::size_t end = skip_ws(i_);
        if (end != s_.size()) fail("Extra data", end);
        return error_;
      }
      i_ = skip_ws(i_);
      const char close = stack_.back() == '{' ? '}' : ']';
      if (i_ < s_.size() && s_[i_] == close) {
        ++i_;
        stack_.pop_back();
        continue;
      }
      if (i_ >= s_.size() || s_[i_] != ',') {
        fail(expecting_comma, i_);
        return error_;
      }
      i_ = skip_ws(i_ + 1);
      if (stack_.back() == '{' && !member_name()) return error_;
      if (!value()) return error_;
    }
  }

 private:
  std::size_t skip_ws(std::size_t i) const {
    while (i < s_.size() && is_ws(s_[i])) ++i;
    return i;
  }

  // Records the error; false, for `return fail(…)` in the steps below.
  bool fail(std::string_view message, std::size_t at) {
    error_ = JsonSyntaxError{at, message};
    return false;
  }

  bool starts(std::string_view word) const { return s_.substr(i_, word.size()) == word; }

  // "name" : — at i_, up to the value after it.
  bool member_name() {
    if (i_ >= s_.size() || s_[i_] != '"') return fail(expecting_name, i_);
    if (!string()) return false;
    i_ = skip_ws(i_);
    if (i_ >= s_.size() || s_[i_] != ':') return fail(expecting_colon, i_);
    i_ = skip_ws(i_ + 1);
    return true;
  }

  // One value at i_: a scalar is consumed whole; an opening bracket is pushed, with its first
  // member or element consumed too when it is not empty (so the caller continues after a value).
  bool value() {
    for (;;) {
      if (i_ >= s_.size()) return fail(expecting_value, i_);
      const char c = s_[i_];
      if (c == '"') return string();
      if (c == '{' || c == '[') {
        i_ = skip_ws(i_ + 1);
        const char close = c == '{' ? '}' : ']';
        if (i_ < s_.size() && s_[i_] == close) {
          ++i_;
          return true;
        }
        stack_.push_back(c);
        if (c == '{' && !member_name()) return false;
        continue;  // the first member's value or the first element
      }
      // NaN and the infinities are Python's extensions, accepted like keywords.
      for (std::string_view word : {"null", "true", "false", "NaN", "Infinity", "-Infinity"}) {
        if (c == word[0] && starts(word)) {
          i_ += word.size();
          return true;
        }
      }
      return number();
    }
  }

  // json's NUMBER_RE as _match_number_unicode applies it, backtracking over a bare exponent.
  bool number() {
    const std::size_t start = i_;
    const std::size_t n = s_.size();
    std::size_t i = i_;
    if (s_[i] == '-') {
      ++i;
      if (i >= n) return fail(expecting_value, start);
    }
    if (s_[i] >= '1' && s_[i] <= '9') {
      ++i;
      while (i < n && is_digit(s_[i])) ++i;
    } else if (s_[i] == '0') {
      ++i;
    } else {
      return fail(expecting_value, start);
    }
    if (i + 1 < n && s_[i] == '.' && is_digit(s_[i + 1])) {
      i += 2;
      while (i < n && is_digit(s_[i])) ++i;
    }
    if (i + 1 < n && (s_[i] == 'e' || s_[i] == 'E')) {
      const std::size_t e = i++;
      if (i + 1 < n && (s_[i] == '-' || s_[i] == '+')) ++i;
      while (i < n && is_digit(s_[i])) ++i;
      if (!is_digit(s_[i - 1])) i = e;
    }
    i_ = i;
    return true;
  }

  // A string whose opening quote is at i_ (scanstring_unicode, strict).
  bool string() {
    const std::size_t begin = i_;
    const std::size_t n = s_.size();
    std::size_t next = i_ + 1;
    for (;;) {
      while (next < n && s_[next] != '"' && s_[next] != '\\') {
        if (static_cast<unsigned char>(s_[next]) <= 0x1f) return fail("Invalid control character at", next);
        ++next;
      }
      if (next >= n) return fail("Unterminated string starting at", begin);
      if (s_[next] == '"') {
        i_ = next + 1;
        return true;
      }
      ++next;  // past the backslash
      if (next == n) return fail("Unterminated string starting at", begin);
      const char c = s_[next];
      if (c != 'u') {
        if (std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos) {
          return fail("Invalid \\escape", next - 1);
        }
        ++next;
        continue;
      }
      // \uXXXX: Python wants one more character after the four digits (the string's end, at least).
      ++next;
      std::size_t end = next + 4;
      if (end >= n) return fail("Invalid \\uXXXX escape", next - 1);
      unsigned code = 0;
      for (; next < end; ++next) {
        if (!is_hex(s_[next])) return fail("Invalid \\uXXXX escape", end - 5);
        code = code * 16 + hex_value(s_[next]);
      }
      // A high surrogate followed by another \u escape: that one is read as its partner, and
      // read again as an escape of its own when it is not a low surrogate.
      if (code >= 0xD800 && code <= 0xDBFF && end + 6 < n && s_[next] == '\\' && s_[next + 1] == 'u') {
        next += 2;
        end += 6;
        unsigned partner = 0;
        for (; next < end; ++next) {
          if (!is_hex(s_[next])) return fail("Invalid \\uXXXX escape", end - 5);
          partner = partner * 16 + hex_value(s_[next]);
        }
        if (partner < 0xDC00 || partner > 0xDFFF) next = end - 6;
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<char> stack_;  // open '{' and '['
  std::optional<JsonSyntaxError> error_;
};

// Python counts positions in code points of the decoded text.
std::size_t characters_before(std::string_view text, std::size_t byte_offset) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < byte_offset && i < text.size(); ++i) {
    n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  return n;
}

}  // namespace

std::optional<JsonSyntaxError> find_json_error(std::string_view text) {
  // json.loads refuses a str that still starts with a BOM (one is removed from bytes first).
  if (text.starts_with("\xEF\xBB\xBF")) return JsonSyntaxError{0, "Unexpected UTF-8 BOM (decode using utf-8-sig)"};
  auto error = Scanner(text).run();
  if (error) error->position = characters_before(text, error->position);
  return error;
}

}  // namespace chatrelay::chat
