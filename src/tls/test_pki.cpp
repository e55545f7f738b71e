// The test PKI: an EC P-256 CA and a server certificate for the given hosts, written as PEM.
#include "chatrelay/tls/test_pki.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "chatrelay/core/asio.hpp"
#include "openssl.hpp"

namespace chatrelay::tls {
namespace {

struct KeyDeleter { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
struct CertDeleter { void operator()(X509* c) const { X509_free(c); } };
using key_ptr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using cert_ptr = std::unique_ptr<X509, CertDeleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

key_ptr make_key() {
  key_ptr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

cert_ptr make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  cert_ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 3650);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert.get();
  if (!issuer) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  (void)issuer_key;
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) { check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign"); }

// Writes a PEM file readable by its owner alone when `is_private` (a key), else by anyone.
template <typename Write>
void write_pem(const std::filesystem::path& path, bool is_private, Write write) {
  const ::mode_t mode = is_private ? 0600 : 0644;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd >= 0 && ::fchmod(fd, mode) != 0) {  // a file that was there keeps its mode otherwise
    ::close(fd);
    fd = -1;
  }
  check(fd >= 0, "open PEM file for writing");
  std::FILE* f = ::fdopen(fd, "w");
  if (f == nullptr) ::close(fd);
  check(f != nullptr, "open PEM file for writing");
  bool ok = write(f);
  ok = std::fclose(f) == 0 && ok;
  check(ok, "PEM write");
}

}  // namespace

TestPki ensure_test_pki(const std::filesystem::path& dir, const std::vector<std::string>& hosts) {
  TestPki pki{dir / "ca.pem", dir / "server.pem", dir / "server-key.pem"};
  if (std::filesystem::exists(pki.ca_cert) && std::filesystem::exists(pki.server_cert) &&
      std::filesystem::exists(pki.server_key)) {
    std::error_code ignored;  // a key written before keys were private
    std::filesystem::permissions(pki.server_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace, ignored);
    return pki;
  }
  std::filesystem::create_directories(dir);

  key_ptr ca_key = make_key();
  cert_ptr ca = make_cert(ca_key.get(), "chatrelay test CA", nullptr, nullptr, 1);
  sign(ca.get(), ca_key.get());

  key_ptr key = make_key();
  cert_ptr cert = make_cert(key.get(), hosts.empty() ? "localhost" : hosts.front(), ca.get(), ca_key.get(), 2);
  std::string san;
  for (const auto& h : hosts) {
    if (!san.empty()) san += ",";
    asio::error_code ec;
    asio::ip::make_address(h, ec);
    san += (ec ? "DNS:" : "IP:") + h;
  }
  if (!san.empty()) add_ext(cert.get(), ca.get(), NID_subject_alt_name, san);
  sign(cert.get(), ca_key.get());

  // Write the key first and the CA last, so a reader that sees ca.pem sees a complete set.
  write_pem(pki.server_key, true, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  write_pem(pki.server_cert, false, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
  write_pem(pki.ca_cert, false, [&](std::FILE* f) { return PEM_write_X509(f, ca.get()) == 1; });
  return pki;
}

}  // namespace chatrelay::tls
