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

std::string random_hex_id() {
  static constexpr char hex[] = "0123456789abcdef";
  unsigned char bytes[16];
  pool.fill(bytes, sizeof bytes);
  std::string id(32, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    id[2 * i] = hex[bytes[i] >> 4];
    id[2 * i + 1] = hex[bytes[i] & 0xF];
  }
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
