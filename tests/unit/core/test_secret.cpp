// Tests for core/secret.hpp: wiped strings hold nothing, and an erased environment variable's
// value is overwritten where it lay.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "chatrelay/core/secret.hpp"

using namespace chatrelay;

TEST_CASE("wipe: the whole buffer is zeroed, short and long strings alike") {
  for (std::string s : {std::string("short"), std::string(200, 'k')}) {
    const char* data = s.data();
    const std::size_t capacity = s.capacity();
    wipe(s);
    CHECK(s.empty());
    CHECK(s.data() == data);  // the same buffer: nothing was freed before it was wiped
    CHECK(std::all_of(data, data + capacity, [](char c) { return c == '\0'; }));
  }
}

TEST_CASE("erase_environment_variable: overwritten in place, then unset") {
  REQUIRE(::setenv("CHATRELAY_TEST_SECRET", "s3cret-value", 1) == 0);
  const char* value = nullptr;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "CHATRELAY_TEST_SECRET=", 22) == 0) value = *e + 22;
  REQUIRE(value != nullptr);
  CHECK(erase_environment_variable("CHATRELAY_TEST_SECRET"));
  CHECK(std::getenv("CHATRELAY_TEST_SECRET") == nullptr);
  CHECK(std::all_of(value, value + 12, [](char c) { return c == '\0'; }));
  CHECK_FALSE(erase_environment_variable("CHATRELAY_TEST_SECRET"));
  // A name that is a prefix of another variable's name leaves that one alone.
  REQUIRE(::setenv("CHATRELAY_TEST_SECRET_LONGER", "keep", 1) == 0);
  CHECK_FALSE(erase_environment_variable("CHATRELAY_TEST_SECRET"));
  CHECK(std::string(std::getenv("CHATRELAY_TEST_SECRET_LONGER")) == "keep");
  ::unsetenv("CHATRELAY_TEST_SECRET_LONGER");
}
