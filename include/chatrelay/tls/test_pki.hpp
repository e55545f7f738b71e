// A private test PKI (a CA and a server certificate signed by it) for chatrelay-fake-gemini and
// the tests: real TLS on 127.0.0.1 without a certificate from anyone else.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace chatrelay::tls {

struct TestPki {
  std::filesystem::path ca_cert;
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
};

// Creates `dir`/ca.pem, server.pem, server-key.pem (EC P-256; the key readable by its owner
// alone) on first use and returns their paths; the server certificate names every host in
// `hosts` (DNS names or IP addresses). Existing files are reused. Throws std::runtime_error.
TestPki ensure_test_pki(const std::filesystem::path& dir, const std::vector<std::string>& hosts);

}  // namespace chatrelay::tls
