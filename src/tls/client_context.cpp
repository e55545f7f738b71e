// ClientContext: TLS 1.2+, peer verification against a CA file or the system store, and the
// newest session kept for resumption.
#include "chatrelay/tls/client.hpp"

#include <new>
#include <stdexcept>

#include "openssl.hpp"

namespace chatrelay::tls {
namespace {

// The newest resumable session per client context, captured from the new-session callback (with
// TLS 1.3 tickets arrive after the handshake, so reading SSL_get1_session right after it is too
// early).
int session_slot() {
  static int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return slot;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
  SSL_SESSION*& latest = latest_session(SSL_get_SSL_CTX(ssl));
  if (latest) SSL_SESSION_free(latest);
  latest = session;
  return 1;  // we keep the reference
}

}  // namespace

std::string alpn_wire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const auto& p : protocols) {
    if (p.empty() || p.size() > 255) throw std::invalid_argument("an ALPN protocol name is 1..255 bytes");
    wire.push_back(static_cast<char>(p.size()));
    wire += p;
  }
  return wire;
}

SSL_SESSION*& latest_session(SSL_CTX* ctx) {
  auto* holder = static_cast<SSL_SESSION**>(SSL_CTX_get_ex_data(ctx, session_slot()));
  return *holder;
}

ClientContext::ClientContext(const std::optional<std::string>& ca_file, const std::vector<std::string>& alpn)
    : ctx_(SSL_CTX_new(TLS_client_method())) {
  if (!ctx_) throw std::bad_alloc();
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  const bool trust = ca_file && !ca_file->empty() ? SSL_CTX_load_verify_locations(ctx_, ca_file->c_str(), nullptr) == 1
                                                  : SSL_CTX_set_default_verify_paths(ctx_) == 1;
  if (!trust) {
    const auto ec = openssl_error(ERR_peek_last_error());
    ERR_clear_error();
    SSL_CTX_free(ctx_);
    throw std::system_error(ec, ca_file && !ca_file->empty() ? "cannot load CA file " + *ca_file
                                                             : std::string("cannot load the system trust store"));
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  // No SSL_MODE_RELEASE_BUFFERS: it frees the read buffer after every record, a 16 KiB malloc and
  // free per record of a fast answer. ClientStream frees the buffers when it waits instead.
  // Read ahead: OpenSSL takes everything in the inbox at once instead of a record header, then
  // its body, then the next header.
  SSL_CTX_set_read_ahead(ctx_, 1);
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(ctx_, session_slot(), new SSL_SESSION*(nullptr));
  SSL_CTX_sess_set_new_cb(ctx_, &on_new_session);
  if (!alpn.empty()) {
    const std::string wire = alpn_wire(alpn);
    // Returns 0 on success, unlike the rest of OpenSSL.
    if (SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0) {
      SSL_CTX_free(ctx_);
      throw std::bad_alloc();
    }
  }
}

ClientContext::~ClientContext() {
  auto* holder = static_cast<SSL_SESSION**>(SSL_CTX_get_ex_data(ctx_, session_slot()));
  if (*holder) SSL_SESSION_free(*holder);
  delete holder;
  SSL_CTX_set_ex_data(ctx_, session_slot(), nullptr);
  SSL_CTX_free(ctx_);
}

}  // namespace chatrelay::tls
