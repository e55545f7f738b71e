// Tests for json/reader: types, values, members (last duplicate wins), items, errors, and numbers
// at the edges of what an integer can hold.
#include "chatrelay/json/reader.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace chatrelay::json;

TEST_CASE("Reader: values by type") {
  Reader reader;
  auto root = reader.parse(R"({"s":"x\u00e9","b":true,"i":-3,"d":2.5,"n":null,"a":[1,2,3],"o":{}})");
  REQUIRE(root);
  CHECK(root->type() == Type::object);
  CHECK(root->member("s")->string() == "x\xC3\xA9");
  CHECK(root->member("b")->boolean() == true);
  CHECK(root->member("i")->integer() == -3);
  CHECK(root->member("d")->number() == 2.5);
  CHECK_FALSE(root->member("d")->integer());
  CHECK(root->member("n")->is_null());
  CHECK(root->member("a")->size() == 3);
  CHECK(root->member("o")->type() == Type::object);
  CHECK_FALSE(root->member("missing"));
  CHECK_FALSE(root->member("s")->integer());
  CHECK_FALSE(root->member("i")->string());
}

TEST_CASE("Reader: a member named twice is its last value, as in Python's json") {
  Reader reader;
  auto root = reader.parse(R"({"k":1,"k":2})");
  REQUIRE(root);
  CHECK(root->member("k")->integer() == 2);
  std::vector<std::string> keys;
  CHECK(root->members([&](std::string_view k, Value) {
    keys.emplace_back(k);
    return true;
  }));
  CHECK(keys == std::vector<std::string>{"k", "k"});
}

TEST_CASE("Reader: items and members stop when told to, and refuse the wrong type") {
  Reader reader;
  auto root = reader.parse("[1,2,3]");
  REQUIRE(root);
  int seen = 0;
  CHECK_FALSE(root->items([&](Value) { return ++seen < 2; }));
  CHECK(seen == 2);
  CHECK_FALSE(root->members([](std::string_view, Value) { return true; }));
}

TEST_CASE("Reader: whole doubles count as integers only within range") {
  Reader reader;
  auto root = reader.parse("[3.0, 9.2e91, -1e300, 1e18]");
  REQUIRE(root);
  std::vector<std::optional<std::int64_t>> got;
  root->items([&](Value v) {
    got.push_back(v.integer());
    return true;
  });
  CHECK(got == std::vector<std::optional<std::int64_t>>{3, std::nullopt, std::nullopt, 1000000000000000000});
}

TEST_CASE("Reader: invalid JSON says why, and trailing text is invalid") {
  Reader reader;
  ParseError error;
  CHECK_FALSE(reader.parse("{\"a\":", &error));
  CHECK(error.kind == ParseError::Kind::syntax);
  CHECK_FALSE(error.message.empty());
  CHECK_FALSE(reader.parse("{} x", &error));
  CHECK_FALSE(reader.parse("\"\xFF\"", &error));
  CHECK(error.kind == ParseError::Kind::encoding);
  CHECK(valid_utf8("\xC3\xA9"));
  CHECK_FALSE(valid_utf8("\xFF"));
}

TEST_CASE("Reader: a reused reader reads each document afresh, and shrink_to keeps it working") {
  Reader reader;
  const std::string big = "[\"" + std::string(2 * 1024 * 1024, 'a') + "\"]";
  REQUIRE(reader.parse(big));
  reader.shrink_to(1024);
  auto small = reader.parse("{\"x\":1}");
  REQUIRE(small);
  CHECK(small->member("x")->integer() == 1);
}
