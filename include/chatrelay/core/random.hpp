// Unpredictable identifiers (session ids, request ids) from the OS's random source.
#pragma once

#include <cstdint>
#include <string>

namespace chatrelay {

// 128 random bits as 32 lower-case hex characters.
std::string random_hex_id();
// The same into `out`, replacing its contents (no allocation once `out` has held an id).
void assign_random_hex_id(std::string& out);
// A fast non-cryptographic generator for jitter.
std::uint64_t random_u64();

}  // namespace chatrelay
