// OpenSSL behind small functions: contexts, verification, session resumption, and a generated
// test CA for chatrelay-fake-gemini.
#include "chatrelay/tls/tls.hpp"

#include "chatrelay/core/record_batches.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
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
  // No SSL_MODE_RELEASE_BUFFERS: it frees the read buffer after every record, a 16 KiB malloc and
  // free per record of a fast answer. ClientStream frees the buffers when it waits instead.
  // Read ahead: OpenSSL takes everything in the inbox at once instead of a record header, then
  // its body, then the next header.
  SSL_CTX_set_read_ahead(native, 1);
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

// The BIO between OpenSSL and a ClientStream. Reads take what receive() put in the inbox; when
// that read filled the inbox, more is probably waiting, and it is read from the socket at once,
// straight into OpenSSL's buffer, for as long as reads come back full (a fast answer costs no
// turn of the loop per read). Otherwise: retry, which OpenSSL reports as SSL_ERROR_WANT_READ, and
// settle() calls receive(). Writes go straight to the non-blocking socket.
struct InboxBio {
  static ClientStream& stream(BIO* bio) { return *static_cast<ClientStream*>(BIO_get_data(bio)); }

  static int read(BIO* bio, char* out, std::size_t size, std::size_t* got) {
    BIO_clear_retry_flags(bio);
    auto& s = stream(bio);
    auto& inbox = s.inbox_;
    *got = 0;
    if (!inbox.unread.empty()) {
      *got = std::min(size, inbox.unread.size());
      std::memcpy(out, inbox.unread.data(), *got);
      inbox.unread = inbox.unread.subspan(*got);
      return 1;
    }
    if (inbox.eof) return 0;  // OpenSSL asks BIO_CTRL_EOF whether this is the end
    if (!inbox.filled) {
      BIO_set_retry_read(bio);
      return 0;
    }
    const ssize_t n = ::recv(s.socket_.native_handle(), out, size, 0);
    if (n > 0) {
      *got = static_cast<std::size_t>(n);
      inbox.filled = *got == size;
      return 1;
    }
    if (n == 0) {
      inbox.eof = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      inbox.filled = false;
      BIO_set_retry_read(bio);
    }
    return 0;  // an error: errno stays for settle()
  }

  static int write(BIO* bio, const char* data, std::size_t size, std::size_t* put) {
    BIO_clear_retry_flags(bio);
    *put = 0;
    const ssize_t n = ::send(stream(bio).socket_.native_handle(), data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      *put = static_cast<std::size_t>(n);
      return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
    return 0;  // errno stays for settle()
  }

  static long ctrl(BIO* bio, int cmd, long, void*) {
    if (cmd == BIO_CTRL_FLUSH) return 1;
    if (cmd == BIO_CTRL_EOF) return stream(bio).inbox_.eof ? 1 : 0;
    return 0;
  }

  static const BIO_METHOD* method() {
    static BIO_METHOD* const m = [] {
      BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "chatrelay inbox");
      if (!made || BIO_meth_set_read_ex(made, &read) != 1 || BIO_meth_set_write_ex(made, &write) != 1 ||
          BIO_meth_set_ctrl(made, &ctrl) != 1 ||
          BIO_meth_set_create(made, [](BIO* b) { BIO_set_init(b, 1); return 1; }) != 1)
        throw std::runtime_error("cannot create the TLS inbox BIO method");
      return made;
    }();
    return m;
  }
};

ClientStream::ClientStream(asio::io_context& io, ClientContext& ctx)
    : io_(io), socket_(io), ssl_(SSL_new(ctx.native().native_handle())), ctx_(ctx) {
  if (!ssl_) throw std::bad_alloc();
  BIO* bio = BIO_new(InboxBio::method());
  if (!bio) {
    SSL_free(ssl_);
    throw std::bad_alloc();
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways: the SSL owns it
  socket_opening(io);  // before the connect opens the socket (record_batches.hpp)
}

ClientStream::~ClientStream() {
  SSL_free(ssl_);
  socket_closed(io_);
}

// Runs one SSL call with errno cleared first, and returns its result and the errno it left (read
// at once: anything in between, the coroutine machinery included, may change errno).
template <typename F>
std::pair<int, int> ssl_call(F f) {
  ERR_clear_error();
  errno = 0;
  const int ret = f();
  return {ret, errno};
}

awaitable<asio::error_code> ClientStream::settle(int ret, int sys_errno, bool& retry) {
  retry = false;
  const int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    if (cancelled_) co_return asio::error::operation_aborted;
    asio::error_code ec;
    if (err == SSL_ERROR_WANT_READ) {
      // Going to wait for the peer: the 16 KiB read and write buffers are not needed meanwhile,
      // so a quiet stream holds none.
      free_record_buffers();
      ec = co_await receive();
    } else {
      std::tie(ec) = co_await socket_.async_wait(tcp::socket::wait_write, use_tuple);
    }
    retry = !ec;
    co_return ec;
  }
  if (err == SSL_ERROR_ZERO_RETURN) co_return asio::error::eof;
  if (err == SSL_ERROR_SYSCALL) {
    ERR_clear_error();
    co_return sys_errno != 0 ? asio::error_code(sys_errno, asio::error::get_system_category())
                             : asio::error_code(asio::ssl::error::stream_truncated);
  }
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    co_return asio::ssl::error::stream_truncated;
  if (code == 0) co_return asio::ssl::error::unexpected_result;  // a failure that left no reason
  co_return asio::error_code(static_cast<int>(code), asio::error::get_ssl_category());
}

awaitable<asio::error_code> ClientStream::handshake(const std::string& host, std::string& why) {
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) co_return ec;  // the inbox BIO writes to the socket itself, and must not block
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  asio::ip::make_address(host, ec);
  // SNI is for names, not IP literals. A peer check that cannot be set up fails the handshake
  // rather than skip the check.
  const bool checks_peer = ec ? SSL_set_tlsext_host_name(ssl_, host.c_str()) == 1 && SSL_set1_host(ssl_, host.c_str()) == 1
                              : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  if (!checks_peer) {
    why = "cannot verify the peer as " + host;
    ERR_clear_error();
    co_return asio::error::invalid_argument;
  }
  SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
  if (SSL_SESSION* latest = latest_session(ctx_.native().native_handle()); latest && SSL_SESSION_is_resumable(latest))
    SSL_set_session(ssl_, latest);
  for (;;) {
    const auto [ret, sys_errno] = ssl_call([&] { return SSL_connect(ssl_); });
    if (ret == 1) {
      ec = reregister();
      if (ec) why = "registering the connection: " + ec.message();
      co_return ec;
    }
    bool retry = false;
    ec = co_await settle(ret, sys_errno, retry);
    if (retry) continue;
    why = describe_error(ec);
    if (const long verify = SSL_get_verify_result(ssl_); verify != X509_V_OK)
      why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    co_return ec;
  }
}

awaitable<asio::error_code> ClientStream::write(std::span<const std::string_view> parts) {
  for (std::string_view part : parts) {
    while (!part.empty()) {
      std::size_t written = 0;
      const auto [ret, sys_errno] = ssl_call([&] { return SSL_write_ex(ssl_, part.data(), part.size(), &written); });
      if (ret == 1) {
        part.remove_prefix(written);
        continue;
      }
      bool retry = false;
      auto ec = co_await settle(ret, sys_errno, retry);  // a retry passes the same bytes again, as OpenSSL wants
      if (!retry) co_return ec;
    }
  }
  co_return asio::error_code();
}

awaitable<std::pair<asio::error_code, std::size_t>> ClientStream::read_some(std::span<char> into) {
  for (;;) {
    std::size_t n = 0;
    const auto [ret, sys_errno] = ssl_call([&] { return SSL_read_ex(ssl_, into.data(), into.size(), &n); });
    if (ret == 1) co_return std::pair(asio::error_code(), n);
    bool retry = false;
    auto ec = co_await settle(ret, sys_errno, retry);
    if (!retry) co_return std::pair(ec, std::size_t{0});
  }
}

awaitable<asio::error_code> ClientStream::receive() {
  if (!inbox_.unread.empty()) co_return asio::error_code();  // OpenSSL has yet to take it
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(inbox_.space), use_tuple);
  if (ec == asio::error::eof) {
    inbox_.eof = true;  // OpenSSL tells a clean close (after close_notify) from a truncation
    co_return asio::error_code();
  }
  if (ec) co_return ec;
  inbox_.unread = std::span<const char>(inbox_.space).first(n);
  inbox_.filled = n == inbox_.space.size();
  co_return asio::error_code();
}

// asio's reactor keeps EPOLLOUT in a socket's registration once a write had to wait (the TCP
// connect always does), and each async_wait re-arms the registration: an edge-triggered EPOLLOUT
// then wakes the loop for nothing. Reads no longer wait that way (receive()), writes rarely do;
// a fresh registration after the handshake holds EPOLLIN only, for the cost of two epoll_ctl
// calls per connection.
asio::error_code ClientStream::reregister() {
  asio::error_code ec;
  const auto protocol = socket_.local_endpoint(ec).protocol();
  if (ec) return ec;
  const int fd = socket_.release(ec);
  if (ec) return ec;
  socket_.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return ec;
  }
  socket_.non_blocking(true, ec);  // release() forgot it; OpenSSL relies on it
  return ec;
}

namespace {

// SSL_free_buffers is safe from OpenSSL 3.0.14, 3.1.6, 3.2.2 and 3.3.1 on (CVE-2024-4741: a
// use-after-free when the buffers were freed with data still in them). Older: keep the buffers.
bool can_free_buffers() {
  static const bool ok = [] {
    const unsigned long v = OpenSSL_version_num();  // 0xMNN00PP0
    const unsigned long minor = v & 0xfff00000UL;
    const unsigned long fixed = minor == 0x30000000UL ? 0x300000e0UL
                                : minor == 0x30100000UL ? 0x30100060UL
                                : minor == 0x30200000UL ? 0x30200020UL
                                : minor == 0x30300000UL ? 0x30300010UL
                                                        : 0x30400000UL;
    return v >= fixed;
  }();
  return ok;
}

}  // namespace

void ClientStream::free_record_buffers() {
  if (can_free_buffers()) SSL_free_buffers(ssl_);
}

void ClientStream::release_buffers() { free_record_buffers(); }

void ClientStream::cancel() {
  cancelled_ = true;
  asio::error_code ignored;
  socket_.cancel(ignored);
}

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

bool ClientStream::peer_rejected() const { return SSL_get_verify_result(ssl_) != X509_V_OK; }

bool ClientStream::session_reused() const { return SSL_session_reused(ssl_) == 1; }

bool ClientStream::idle_and_open() {
  if (SSL_has_pending(ssl_) || !inbox_.unread.empty() || inbox_.eof) return false;
  char probe;
  const ssize_t r = ::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
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
