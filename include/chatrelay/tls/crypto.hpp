// Small cryptographic helpers from OpenSSL, for code that must not include it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chatrelay::tls {

// Overwrites `size` bytes at `p` in a way the compiler cannot drop (secrets before a free).
void cleanse(void* p, std::size_t size);

// SHA-256 of `data`, as 64 lower-case hex digits (names derived from secrets, such as the
// principal of a bearer token, that must not reveal them).
std::string sha256_hex(std::string_view data);

}  // namespace chatrelay::tls
