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
#include <system_error>
#include <utility>

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

// The context's newest resumable session (see client_context.cpp).
SSL_SESSION*& latest_session(SSL_CTX* ctx);

}  // namespace chatrelay::tls
