// Tests for core/random: id format and uniqueness.
#include "chatrelay/core/random.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <set>

TEST_CASE("random_hex_id is 32 lower-case hex characters and does not repeat") {
  std::set<std::string> seen;
  std::array<std::set<char>, 32> digits_at;
  for (int i = 0; i < 20000; ++i) {
    auto id = chatrelay::random_hex_id();
    REQUIRE(id.size() == 32);
    REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(seen.insert(id).second);
    for (std::size_t p = 0; p < id.size(); ++p) digits_at[p].insert(id[p]);
  }
  for (const auto& digits : digits_at) CHECK(digits.size() == 16);  // every digit, at every position
}

TEST_CASE("assign_random_hex_id replaces what the string held, in place") {
  std::string id = "a client's id that was longer than thirty-two characters";
  chatrelay::assign_random_hex_id(id);
  REQUIRE(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  const char* storage = id.data();
  const std::string before = id;
  chatrelay::assign_random_hex_id(id);
  CHECK(id != before);
  CHECK(id.data() == storage);  // the capacity is reused: no allocation per request
}

TEST_CASE("random_u64 varies") {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(chatrelay::random_u64());
  CHECK(seen.size() == 1000);
}
