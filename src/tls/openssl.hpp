// What the files of src/tls share: OpenSSL's headers and the helpers around its calls. Private to
// src/tls: nothing else includes OpenSSL.
#pragma once

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace chatrelay::tls {

// The error code for OpenSSL's packed error `code` (its text as the message).
std::error_code openssl_error(unsigned long code);

// Runs one SSL call with errno and OpenSSL's error queue cleared first, and returns its result and
// the errno it left (read at once: anything in between, the coroutine machinery included, may
// change errno).
template <typename F>
std::pair<int, int> ssl_call(F f) {
  ERR_clear_error();
  errno = 0;
  const int ret = f();
  return {ret, errno};
}

// ALPN's wire form of a protocol list: each name behind its length byte. Throws
// std::invalid_argument for an empty name or one over 255 bytes.
std::string alpn_wire(const std::vector<std::string>& protocols);

// The protocol ALPN settled on for `ssl`; empty when none.
inline std::string_view negotiated_protocol(const SSL* ssl) {
  const unsigned char* data = nullptr;
  unsigned size = 0;
  SSL_get0_alpn_selected(ssl, &data, &size);
  return data ? std::string_view(reinterpret_cast<const char*>(data), size) : std::string_view();
}

// The context's newest resumable session (see client_context.cpp).
SSL_SESSION*& latest_session(SSL_CTX* ctx);

}  // namespace chatrelay::tls
