// cleanse and sha256_hex: OpenSSL's primitives for code that must not include it.
#include "chatrelay/tls/crypto.hpp"

#include <stdexcept>

#include "openssl.hpp"

namespace chatrelay::tls {

void cleanse(void* p, std::size_t size) { OPENSSL_cleanse(p, size); }

std::string sha256_hex(std::string_view data) {
  unsigned char digest[32];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1 || length != 32)
    throw std::runtime_error("SHA-256 is not available");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (unsigned i = 0; i < 32; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

}  // namespace chatrelay::tls
