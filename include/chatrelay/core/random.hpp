// Unpredictable identifiers (session ids, request ids) from the OS's random source.
#pragma once

#include <cstdint>
#include <string>

namespace chatrelay {

// 128 random bits as 32 lower-case hex characters.
std::string random_hex_id();
// A fast non-cryptographic generator for jitter.
std::uint64_t random_u64();

}  // namespace chatrelay
