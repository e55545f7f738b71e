// OpenSSL behind small functions: contexts, verification, session resumption, and a generated
// test CA for chatrelay-fake-gemini.
#include "chatrelay/tls/tls.hpp"

#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace chatrelay::tls {
namespace {

// The newest resumable session per client context, captured from the new-session callback (with
// TLS 1.3 tickets arrive after the handshake, so reading SSL_get1_session right after it is too
// early).
int session_slot() {
  static int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return slot;
}

SSL_SESSION*& latest_session(SSL_CTX* ctx) {
  auto* holder = static_cast<SSL_SESSION**>(SSL_CTX_get_ex_data(ctx, session_slot()));
  return *holder;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
  SSL_SESSION*& latest = latest_session(SSL_get_SSL_CTX(ssl));
  if (latest) SSL_SESSION_free(latest);
  latest = session;
  return 1;  // we keep the reference
}

}  // namespace

ClientContext::ClientContext(const std::optional<std::string>& ca_file) : ctx_(asio::ssl::context::tls_client) {
  ctx_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  if (ca_file && !ca_file->empty())
    ctx_.load_verify_file(*ca_file);
  else
    ctx_.set_default_verify_paths();
  ctx_.set_verify_mode(asio::ssl::verify_peer);
  SSL_CTX* native = ctx_.native_handle();
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(native, session_slot(), new SSL_SESSION*(nullptr));
  SSL_CTX_sess_set_new_cb(native, &on_new_session);
}

ClientContext::~ClientContext() {
  SSL_CTX* native = ctx_.native_handle();
  auto* holder = static_cast<SSL_SESSION**>(SSL_CTX_get_ex_data(native, session_slot()));
  if (*holder) SSL_SESSION_free(*holder);
  delete holder;
  SSL_CTX_set_ex_data(native, session_slot(), nullptr);
}

void ClientContext::prepare(stream& s, const std::string& host) {
  SSL* ssl = s.native_handle();
  asio::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI is for names, not IP literals
  s.set_verify_mode(asio::ssl::verify_peer);
  s.set_verify_callback(asio::ssl::host_name_verification(host));
  if (SSL_SESSION* latest = latest_session(ctx_.native_handle()); latest && SSL_SESSION_is_resumable(latest))
    SSL_set_session(ssl, latest);
}

ServerContext::ServerContext(const std::filesystem::path& cert_chain, const std::filesystem::path& key)
    : ctx_(asio::ssl::context::tls_server) {
  ctx_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  ctx_.use_certificate_chain_file(cert_chain.string());
  ctx_.use_private_key_file(key.string(), asio::ssl::context::pem);
  SSL_CTX_set_mode(ctx_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(ctx_.native_handle(), SSL_SESS_CACHE_SERVER);
  static const unsigned char id[] = "chatrelay-fake-gemini";
  SSL_CTX_set_session_id_context(ctx_.native_handle(), id, sizeof id - 1);
}

bool session_reused(stream& s) { return SSL_session_reused(s.native_handle()) == 1; }

std::string describe_error(const asio::error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    char buf[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), buf, sizeof buf);
    text = buf;
  }
  return text;
}

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

template <typename Write>
void write_pem(const std::filesystem::path& path, Write write) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open PEM file for writing");
  bool ok = write(f);
  std::fclose(f);
  check(ok, "PEM write");
}

}  // namespace

TestPki ensure_test_pki(const std::filesystem::path& dir, const std::vector<std::string>& hosts) {
  TestPki pki{dir / "ca.pem", dir / "server.pem", dir / "server-key.pem"};
  if (std::filesystem::exists(pki.ca_cert) && std::filesystem::exists(pki.server_cert) &&
      std::filesystem::exists(pki.server_key))
    return pki;
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
  write_pem(pki.server_key, [&](std::FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  write_pem(pki.server_cert, [&](std::FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
  write_pem(pki.ca_cert, [&](std::FILE* f) { return PEM_write_X509(f, ca.get()) == 1; });
  return pki;
}

}  // namespace chatrelay::tls
