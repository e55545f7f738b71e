// .env files as python-dotenv reads them (minus ${VAR} expansion), so the FastAPI backend's file
// keeps working: NAME=VALUE, `export `, comments, single quotes literal, double quotes with escapes.
#include <string>

#include "chatrelay/config/loader.hpp"

namespace chatrelay::config {
namespace {

class DotenvParser {
 public:
  DotenvParser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  Environment parse() {
    Environment env;
    while (true) {
      skip_blanks();
      if (at_end()) break;
      if (at_eol()) {
        next_line();
        continue;
      }
      if (text_[pos_] == '#') {
        skip_to_eol();
        continue;
      }
      auto [name, value] = entry();
      env.insert_or_assign(std::move(name), std::move(value));
    }
    return env;
  }

 private:
  static bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }
  static bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

  bool at_end() const { return pos_ >= text_.size(); }
  bool at_eol() const {
    return at_end() || text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }
  // Returns whether anything was skipped.
  bool skip_blanks() {
    const std::size_t start = pos_;
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    return pos_ != start;
  }
  void skip_to_eol() {
    while (!at_eol()) ++pos_;
  }
  void next_line() {
    if (at_end()) return;
    if (text_[pos_] == '\r') ++pos_;
    ++pos_;
    ++line_;
  }
  // Advances over one character inside a quoted value, counting lines.
  char take() {
    const char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
  }

  [[noreturn]] void fail(std::size_t line, const std::string& what) const {
    throw ConfigError(origin_ + ":" + std::to_string(line) + ": " + what);
  }

  std::pair<std::string, std::string> entry() {
    const std::size_t line = line_;
    if (text_.substr(pos_).starts_with("export") && pos_ + 6 < text_.size() &&
        (text_[pos_ + 6] == ' ' || text_[pos_ + 6] == '\t')) {
      pos_ += 6;
      skip_blanks();
    }
    const std::size_t name_start = pos_;
    if (!at_end() && is_name_start(text_[pos_])) {
      while (!at_end() && is_name_char(text_[pos_])) ++pos_;
    }
    std::string name(text_.substr(name_start, pos_ - name_start));
    if (name.empty()) {
      fail(line, "expected NAME=VALUE, where NAME is letters, digits and '_' not starting with a "
                 "digit");
    }
    skip_blanks();
    if (at_end() || text_[pos_] != '=') fail(line, "expected '=' after " + name);
    ++pos_;
    const bool blank_before_value = skip_blanks();

    std::string value;
    if (!at_end() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      value = text_[pos_] == '\'' ? single_quoted(name, line) : double_quoted(name, line);
      skip_blanks();
      if (!at_eol() && text_[pos_] != '#') {
        fail(line_, "unexpected text after the closing quote of " + name +
                        " (put a space and '#' before a comment)");
      }
      skip_to_eol();
    } else {
      value = unquoted(blank_before_value);
    }
    return {std::move(name), std::move(value)};
  }

  std::string single_quoted(const std::string& name, std::size_t line) {
    ++pos_;
    std::string value;
    while (!at_end() && text_[pos_] != '\'') value += take();
    if (at_end()) fail(line, "the single-quoted value of " + name + " is never closed");
    ++pos_;
    return value;
  }

  std::string double_quoted(const std::string& name, std::size_t line) {
    ++pos_;
    std::string value;
    while (!at_end() && text_[pos_] != '"') {
      const char c = take();
      if (c != '\\' || at_end()) {
        value += c;
        continue;
      }
      const char escaped = take();
      switch (escaped) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case '"':
        case '\\':
        case '\'': value += escaped; break;
        default:  // unknown escapes stay as written, as in python-dotenv
          value += '\\';
          value += escaped;
      }
    }
    if (at_end()) fail(line, "the double-quoted value of " + name + " is never closed");
    ++pos_;
    return value;
  }

  // Up to the end of the line or a '#' that follows a blank; trailing blanks dropped.
  std::string unquoted(bool blank_before) {
    const std::size_t start = pos_;
    std::size_t end = pos_;
    while (!at_eol()) {
      const char c = text_[pos_];
      if (c == '#' && (pos_ == start ? blank_before : (text_[pos_ - 1] == ' ' ||
                                                        text_[pos_ - 1] == '\t'))) {
        break;
      }
      ++pos_;
      if (c != ' ' && c != '\t') end = pos_;
    }
    skip_to_eol();
    return std::string(text_.substr(start, end - start));
  }

  std::string_view text_;
  const std::string& origin_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

Environment parse_dotenv(std::string_view text, const std::string& origin) {
  return DotenvParser(text, origin).parse();
}

}  // namespace chatrelay::config
