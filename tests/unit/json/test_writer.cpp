// Tests for json/writer: escaping of every kind of byte string and the object writer.
#include "chatrelay/json/writer.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::json;

TEST_CASE("quote escapes quotes, backslashes and control characters") {
  CHECK(quote("plain") == "\"plain\"");
  CHECK(quote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quote("line\nnext\r\ttab") == R"("line\nnext\r\ttab")");
  CHECK(quote(std::string_view("\0\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(quote("\b\f") == R"("\b\f")");
  CHECK(quote("") == "\"\"");
}

TEST_CASE("valid UTF-8 passes through unchanged") {
  CHECK(quote("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80") == "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(quote("a\xFF" "b") == "\"a" + r + "b\"");              // impossible byte
  CHECK(quote("\xC3") == "\"" + r + "\"");                     // truncated 2-byte
  CHECK(quote("\xE2\x82") == "\"" + r + r + "\"");             // truncated 3-byte: lead + lone continuation
  CHECK(quote("\xC0\xAF") == "\"" + r + r + "\"");             // overlong
  CHECK(quote("\xED\xA0\x80") == "\"" + r + r + r + "\"");     // surrogate
  CHECK(quote("\xF4\x90\x80\x80") == "\"" + r + r + r + r + "\"");  // > U+10FFFF
  CHECK(quote("\x80") == "\"" + r + "\"");                     // lone continuation
}

TEST_CASE("complete_utf8_prefix holds back only a cut character") {
  CHECK(complete_utf8_prefix("abc") == 3);
  CHECK(complete_utf8_prefix("ab\xC3") == 2);
  CHECK(complete_utf8_prefix("ab\xC3\xA9") == 4);
  CHECK(complete_utf8_prefix("a\xE2\x82") == 1);
  CHECK(complete_utf8_prefix("a\xE2\x82\xAC") == 4);
  CHECK(complete_utf8_prefix("\xF0\x9F\x98") == 0);
  CHECK(complete_utf8_prefix("\xF0\x9F\x98\x80") == 4);
  CHECK(complete_utf8_prefix("") == 0);
}

TEST_CASE("ObjectWriter writes members in order") {
  std::string out;
  ObjectWriter w(out);
  w.string("type", "token").number("n", std::int64_t{-42}).number("x", 1.5).boolean("b", true).null("z").raw(
      "r", "[1]");
  w.close();
  CHECK(out == R"({"type":"token","n":-42,"x":1.5,"b":true,"z":null,"r":[1]})");
}
