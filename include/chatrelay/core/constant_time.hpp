// Comparison of secrets whose running time does not depend on where they differ.
#pragma once

#include <string_view>

namespace chatrelay {

// Compares every byte of `expected` whatever `given` holds; only the length of `expected` shows.
inline bool constant_time_equal(std::string_view expected, std::string_view given) {
  unsigned diff = expected.size() != given.size() ? 1u : 0u;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(expected[i]) ^ g;
  }
  return diff == 0;
}

}  // namespace chatrelay
