// Tests for core/process_limits.hpp: the open-file budget and the limits set at start-up.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "chatrelay/core/process_limits.hpp"

using namespace chatrelay;

TEST_CASE("files_needed: a client and an upstream connection per connection, the pool, a margin") {
  CHECK(files_needed(10000, 256) == 20000 + 256 + 64);
  CHECK(files_needed(1, 0) == 2 + 64);
}

TEST_CASE("raise_file_limit: the soft limit ends at the hard one") {
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  const FileLimit now = raise_file_limit();
  CHECK(now.error == 0);
  CHECK(now.soft == before.rlim_max);
  CHECK(now.hard == before.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &before);
}

TEST_CASE("disable_core_dumps: the soft limit is 0, the hard one untouched") {
  rlimit before{};
  REQUIRE(::getrlimit(RLIMIT_CORE, &before) == 0);
  CHECK(disable_core_dumps() == 0);
  rlimit now{};
  REQUIRE(::getrlimit(RLIMIT_CORE, &now) == 0);
  CHECK(now.rlim_cur == 0);
  CHECK(now.rlim_max == before.rlim_max);
}
