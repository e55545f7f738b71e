// Tests for core/record_batches.hpp: a batch borrows descriptors and gives every one back, and it
// stays clear of the open-file limit.
#include <dirent.h>
#include <sys/resource.h>

#include <asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "chatrelay/core/record_batches.hpp"

using namespace chatrelay;

namespace {

int open_descriptors() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (::readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n;
}

}  // namespace

TEST_CASE("record batches: every borrowed descriptor is closed again") {
  asio::io_context io;
  socket_opening(io);  // the first batch; asio's reactor opens its own descriptors (epoll, ...)
  const int before = open_descriptors();
  for (int i = 1; i < 3000; ++i) socket_opening(io);  // two more batches
  CHECK(open_descriptors() == before);
  for (int i = 0; i < 3000; ++i) socket_closed(io);
  socket_opening(io);  // below the highest mark: no batch, nothing borrowed
  CHECK(open_descriptors() == before);
}

TEST_CASE("record batches: near the open-file limit a batch stops short") {
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open_descriptors()) + 300;  // room for 44 past the 256 kept free
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  asio::io_context io;
  socket_opening(io);  // must neither fail nor use up the descriptors sockets need
  const int after = open_descriptors();
  ::setrlimit(RLIMIT_NOFILE, &saved);
  CHECK(static_cast<rlim_t>(after) + 256 <= low.rlim_cur);
}
