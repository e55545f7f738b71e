// The OpenSSL wrapper (the only place OpenSSL is called): client and server contexts, TLS stream
// preparation (SNI, peer and host-name verification, session resumption), and test PKI.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/ssl.hpp>

#include "chatrelay/core/asio.hpp"

namespace chatrelay::tls {

using stream = asio::ssl::stream<tcp::socket>;

class ClientContext {
 public:
  // Verifies peers against `ca_file`, or the system trust store when empty. Throws
  // std::system_error when the CA file cannot be loaded.
  explicit ClientContext(const std::optional<std::string>& ca_file);
  ~ClientContext();

  asio::ssl::context& native() { return ctx_; }
  // SNI, peer verification with host-name check, and the last session for resumption.
  void prepare(stream& s, const std::string& host);

 private:
  asio::ssl::context ctx_;
};

class ServerContext {
 public:
  // Throws std::system_error when the certificate or key cannot be loaded.
  ServerContext(const std::filesystem::path& cert_chain, const std::filesystem::path& key);
  asio::ssl::context& native() { return ctx_; }

 private:
  asio::ssl::context ctx_;
};

// True when the handshake on `s` resumed an earlier session (no full handshake).
bool session_reused(stream& s);

// A short description of the last TLS error for logs (verification failures say why).
std::string describe_error(const asio::error_code& ec);

// Paths of a private test PKI: a CA and a server certificate signed by it.
struct TestPki {
  std::filesystem::path ca_cert;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
};

// Creates `dir`/ca.pem, server.pem, server-key.pem (EC P-256) on first use and returns their
// paths; the server certificate names every host in `hosts` (DNS names or IP addresses).
// Existing files are reused. Throws std::runtime_error on failure.
TestPki ensure_test_pki(const std::filesystem::path& dir, const std::vector<std::string>& hosts);

}  // namespace chatrelay::tls
