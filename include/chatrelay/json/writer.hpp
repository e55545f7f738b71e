// JSON output encoding: correct escaping of any byte string, and a small appending object writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatrelay::json {

// Appends `s` as a JSON string literal (with quotes). Control characters are escaped, and invalid
// UTF-8 (bad lead bytes, truncated or overlong sequences, surrogates) becomes U+FFFD, so the output
// is always valid JSON and valid UTF-8 whatever the input.
void append_string(std::string& out, std::string_view s);
std::string quote(std::string_view s);

// Length of the longest prefix of `s` that ends on a UTF-8 character boundary (at most 3 bytes are
// held back). Lets a streamer emit only whole characters and carry the tail to the next piece.
std::size_t complete_utf8_prefix(std::string_view s);

// Builds one JSON object by appending members in order: {"a":1,"b":"x"}.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }
  ObjectWriter& string(std::string_view key, std::string_view value);
  ObjectWriter& number(std::string_view key, std::int64_t value);
  ObjectWriter& number(std::string_view key, double value);
  ObjectWriter& boolean(std::string_view key, bool value);
  ObjectWriter& null(std::string_view key);
  // Appends `raw` unchanged as the member's value; it must already be valid JSON.
  ObjectWriter& raw(std::string_view key, std::string_view raw);
  void close() { out_.push_back('}'); }

 private:
  void key(std::string_view k);
  std::string& out_;
  bool first_ = true;
};

}  // namespace chatrelay::json
