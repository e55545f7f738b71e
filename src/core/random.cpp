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
  // Each byte's two hex digits, looked up at once (an id per request: it shows in a profile).
  static constexpr auto digits = [] {
    constexpr char hex[] = "0123456789abcdef";
    std::array<char, 512> t{};
    for (std::size_t b = 0; b < 256; ++b) {
      t[2 * b] = hex[b >> 4];
      t[2 * b + 1] = hex[b & 0xF];
    }
    return t;
  }();
  unsigned char bytes[16];
  pool.fill(bytes, sizeof bytes);
  char id[32];
  for (std::size_t i = 0; i < 16; ++i) std::memcpy(id + 2 * i, &digits[2 * bytes[i]], 2);
  out.assign(id, sizeof id);
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
