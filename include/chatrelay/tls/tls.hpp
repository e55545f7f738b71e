// The OpenSSL wrapper (the only place OpenSSL is called): client and server contexts, TLS stream
// preparation (SNI, peer and host-name verification, session resumption), and test PKI.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <asio/ssl.hpp>

#include "chatrelay/core/asio.hpp"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace chatrelay::tls {

// The server side (chatrelay-fake-gemini) uses asio's stream.
using stream = asio::ssl::stream<tcp::socket>;

class ClientStream;

class ClientContext {
 public:
  // Verifies peers against `ca_file`, or the system trust store when empty. Throws
  // std::system_error when the CA file cannot be loaded.
  explicit ClientContext(const std::optional<std::string>& ca_file);
  ~ClientContext();

  asio::ssl::context& native() { return ctx_; }

 private:
  friend class ClientStream;
  asio::ssl::context ctx_;
};

// A TLS client connection. OpenSSL writes to the socket itself; what it reads comes through an
// inbox that the coroutine fills with asio's async_read_some (a BIO of our own, tls.cpp). Waiting
// that way costs no epoll_ctl: asio's async_wait re-arms the socket's registration with
// EPOLL_CTL_MOD every time, one syscall per arriving event. Unlike asio::ssl::stream it keeps no
// BIO pair and no staging buffers (about 70 KB per connection there): the inbox holds 1 KiB (when
// a read fills it, OpenSSL reads what follows from the socket itself), and OpenSSL's own buffers
// are freed whenever it waits.
// Reads complete synchronously once data is there, so callers may read into a buffer shared
// by every connection on the loop. Cancel pending waits with cancel() or through the awaiting
// coroutine's cancellation: the operation then fails with operation_aborted.
class ClientStream {
 public:
  ClientStream(asio::io_context& io, ClientContext& ctx);
  ~ClientStream();
  ClientStream(const ClientStream&) = delete;
  ClientStream& operator=(const ClientStream&) = delete;

  tcp::socket& socket() { return socket_; }

  // After the TCP connect: SNI (for names), peer verification against `host` (a DNS name or an
  // IP address), resumption of the context's latest session, then the handshake. On failure
  // `why` says what went wrong (a verification failure names its reason).
  awaitable<asio::error_code> handshake(const std::string& host, std::string& why);
  // Writes every buffer, in order.
  awaitable<asio::error_code> write(std::span<const std::string_view> parts);
  // Reads at least one byte into `into` (or fails: asio::error::eof for a clean close_notify,
  // asio::ssl::error::stream_truncated for a TCP close without it).
  awaitable<std::pair<asio::error_code, std::size_t>> read_some(std::span<char> into);

  // After a failed handshake: true when the peer's certificate failed verification (unknown CA,
  // expired, another host's name). Such a failure does not heal by itself.
  bool peer_rejected() const;
  // True when the handshake resumed an earlier session.
  bool session_reused() const;
  // An idle connection that the peer has closed (or that has unexpected bytes) is not reusable.
  bool idle_and_open();
  // Frees OpenSSL's record buffers (about 34 KB) while the connection sits unused; they come
  // back on the next read or write. Refused, harmlessly, while a record is half read.
  void release_buffers();
  // Ends the wait in progress and every later one (operation_aborted): a cancel that lands
  // between two waits of one read or write is not lost. A cancelled stream is not reusable.
  void cancel();
  bool cancelled() const { return cancelled_; }

 private:
  friend struct InboxBio;  // OpenSSL's side of the inbox (tls.cpp)

  // Registers the socket with the loop afresh (see tls.cpp).
  asio::error_code reregister();
  void free_record_buffers();
  // Waits for the peer's next bytes and puts them in the inbox (eof is noted there, for OpenSSL
  // to judge: after close_notify it is a clean end, else a truncation).
  awaitable<asio::error_code> receive();
  // What to do after an SSL call returned `ret` (with `sys_errno`, the errno it left): wait
  // for the socket and retry, or fail.
  awaitable<asio::error_code> settle(int ret, int sys_errno, bool& retry);

  // Bytes received for OpenSSL, not yet taken by it.
  struct Inbox {
    std::array<char, 1024> space;  // Gemini's streamed events are 300-800 bytes (recordings)
    std::span<const char> unread;
    bool filled = false;  // the last read filled its buffer: more is probably waiting
    bool eof = false;     // the peer closed the TCP connection
  };

  asio::io_context& io_;
  tcp::socket socket_;
  SSL* ssl_;
  ClientContext& ctx_;
  Inbox inbox_;
  bool cancelled_ = false;
};

// Overwrites `size` bytes at `p` in a way the compiler cannot drop (secrets before a free).
void cleanse(void* p, std::size_t size);

// SHA-256 of `data`, as 64 lower-case hex digits (names derived from secrets, such as the
// principal of a bearer token, that must not reveal them).
std::string sha256_hex(std::string_view data);

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
