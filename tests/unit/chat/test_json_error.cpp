// find_json_error: CPython's json.loads positions and messages (checked against Python 3.11 by
// tests/integration/test_chat_stream.py on many mutated bodies), and no recursion on deep input.
#include "chatrelay/chat/json_error.hpp"

#include <catch2/catch.hpp>

#include <string>

using chatrelay::chat::find_json_error;

namespace {

std::string error_of(std::string_view text) {
  auto e = find_json_error(text);
  return e ? std::to_string(e->position) + " " + std::string(e->message) : "ok";
}

}  // namespace

TEST_CASE("find_json_error: what Python accepts is not an error") {
  for (std::string_view text : {"{}", "[]", " [1, -2.5e+10, 0, true, false, null] ", R"({"a":{"b":["c"]}})",
                                R"("\ud83d\ude00 \ud800 \u0041")", "NaN", "[Infinity, -Infinity]", "1E5", "-0.0"}) {
    INFO(text);
    CHECK(error_of(text) == "ok");
  }
}

TEST_CASE("find_json_error: escapes") {
  CHECK(error_of(R"("\x")") == "1 Invalid \\escape");
  CHECK(error_of(R"("\u00")") == "2 Invalid \\uXXXX escape");
  CHECK(error_of(R"("\u00G0")") == "2 Invalid \\uXXXX escape");
  CHECK(error_of(R"("\u0041)") == "2 Invalid \\uXXXX escape");  // Python wants a character after the digits
  CHECK(error_of(R"("\ud83d\uZZZZ")") == "8 Invalid \\uXXXX escape");  // the partner of a high surrogate
  CHECK(error_of(R"("\ud83d\u0041\x")") == "13 Invalid \\escape");  // not a partner: read on as itself
  CHECK(error_of("\"abc\\") == "0 Unterminated string starting at");
}

TEST_CASE("find_json_error: numbers backtrack like Python's NUMBER_RE") {
  CHECK(error_of("1e") == "1 Extra data");
  CHECK(error_of("1e+") == "1 Extra data");
  CHECK(error_of("1e+5") == "ok");
  CHECK(error_of("-") == "0 Expecting value");
  CHECK(error_of("-x") == "0 Expecting value");
  CHECK(error_of("[1.]") == "2 Expecting ',' delimiter");
  CHECK(error_of("[.5]") == "1 Expecting value");
}

TEST_CASE("find_json_error: deep nesting needs no stack") {
  const std::string deep(200000, '[');
  CHECK(error_of(deep) == "200000 Expecting value");
  CHECK(error_of(std::string(100000, '[') + std::string(100000, ']')) == "ok");
}
