// Random identifiers: getrandom(2)-seeded, buffered so an id costs no syscall.
#include "chatrelay/core/random.hpp"

#include <sys/random.h>

#include <array>
#include <cstring>
#include <random>

namespace chatrelay {
namespace {

// Pulls OS randomness 4 KiB at a time.
class EntropyPool {
 public:
  void fill(unsigned char* out, std::size_t n) {
    while (n > 0) {
      if (pos_ == buf_.size()) refill();
      std::size_t take = std::min(n, buf_.size() - pos_);
      std::memcpy(out, buf_.data() + pos_, take);
      pos_ += take;
      out += take;
      n -= take;
    }
  }

 private:
  void refill() {
    std::size_t got = 0;
    while (got < buf_.size()) {
      ssize_t r = getrandom(buf_.data() + got, buf_.size() - got, 0);
      if (r > 0) got += static_cast<std::size_t>(r);
    }
    pos_ = 0;
  }
  std::array<unsigned char, 4096> buf_{};
  std::size_t pos_ = 4096;
};

thread_local EntropyPool pool;

}  // namespace

void assign_random_hex_id(std::string& out) {
  // 16 random bytes, as 4 words of 8 nibbles: each word's nibbles spread to one byte each and
  // turned into ASCII digits together (SWAR), written straight into `out`. (An id per request:
  // a table lookup per byte showed in the /health profile, stalled on its byte-wise stores.)
  std::uint32_t words[4];
  pool.fill(reinterpret_cast<unsigned char*>(words), sizeof words);
  out.resize(32);
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t x = words[i];
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;  // one nibble per byte, 0..15
    const std::uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;  // 1 where >= 10
    x += 0x3030303030303030ull + letters * ('a' - '0' - 10);
    std::memcpy(out.data() + 8 * i, &x, 8);
  }
}

std::string random_hex_id() {
  std::string id;
  assign_random_hex_id(id);
  return id;
}

std::uint64_t random_u64() {
  thread_local std::mt19937_64 gen{[] {
    std::uint64_t seed;
    pool.fill(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
    return seed;
  }()};
  return gen();
}

}  // namespace chatrelay
