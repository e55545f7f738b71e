// ClientStream: OpenSSL over a non-blocking socket through a BIO of our own (the inbox), with
// the coroutine waiting in asio for what OpenSSL needs.
#include "chatrelay/tls/client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "chatrelay/core/record_batches.hpp"
#include "openssl.hpp"

namespace chatrelay::tls {

// The BIO between OpenSSL and a ClientStream. Reads take what receive() put in the inbox; when
// that read filled the inbox, more is probably waiting, and it is read from the socket at once,
// straight into OpenSSL's buffer, for as long as reads come back full (a fast answer costs no
// turn of the loop per read). Otherwise: retry, which OpenSSL reports as SSL_ERROR_WANT_READ, and
// wait_or_fail() calls receive(). Writes go straight to the non-blocking socket.
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
    return 0;  // an error: errno stays for wait_or_fail()
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
    return 0;  // errno stays for wait_or_fail()
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
    : io_(io), socket_(io), ssl_(SSL_new(ctx.ctx_)), ctx_(ctx) {
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

awaitable<asio::error_code> ClientStream::wait_or_fail(int ret, int sys_errno, bool& retry) {
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
                             : make_error_code(Error::truncated);
  }
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    co_return make_error_code(Error::truncated);
  if (code == 0) co_return make_error_code(Error::failed);  // a failure that left no reason
  co_return openssl_error(code);
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
  if (SSL_SESSION* latest = latest_session(ctx_.ctx_); latest && SSL_SESSION_is_resumable(latest))
    SSL_set_session(ssl_, latest);
  for (;;) {
    const auto [ret, sys_errno] = ssl_call([&] { return SSL_connect(ssl_); });
    if (ret == 1) {
      ec = reregister();
      if (ec) why = "registering the connection: " + ec.message();
      co_return ec;
    }
    bool retry = false;
    ec = co_await wait_or_fail(ret, sys_errno, retry);
    if (retry) continue;
    why = ec.message();
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
      auto ec = co_await wait_or_fail(ret, sys_errno, retry);  // a retry passes the same bytes again, as OpenSSL wants
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
    auto ec = co_await wait_or_fail(ret, sys_errno, retry);
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

bool ClientStream::peer_rejected() const { return SSL_get_verify_result(ssl_) != X509_V_OK; }

bool ClientStream::session_reused() const { return SSL_session_reused(ssl_) == 1; }

std::string_view ClientStream::alpn_protocol() const { return negotiated_protocol(ssl_); }

bool ClientStream::idle_and_open() {
  if (SSL_has_pending(ssl_) || !inbox_.unread.empty() || inbox_.eof) return false;
  char probe;
  const ssize_t r = ::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace chatrelay::tls
