// The TLS client (the Gemini side): a context (trust, session resumption) and a stream with SNI,
// peer and host-name verification. OpenSSL is called in src/tls/ alone; here its handles are
// opaque pointers.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <string_view>
#include <utility>
#include <vector>

#include "chatrelay/core/asio.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace chatrelay::tls {

class ClientStream;

class ClientContext {
 public:
  // Verifies peers against `ca_file`, or the system trust store when empty. Throws
  // std::system_error when the CA file cannot be loaded. `alpn`: the application protocols
  // offered, in order of preference (e.g. "h2", "http/1.1"); empty offers none.
  explicit ClientContext(const std::optional<std::string>& ca_file, const std::vector<std::string>& alpn = {});
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

 private:
  friend class ClientStream;
  ssl_ctx_st* ctx_;
};

// Errors of the TLS layer itself (std::error_code category "tls"); OpenSSL's own reasons come in
// the same category, with their text as the message.
enum class Error {
  truncated = 1,  // the peer closed the TCP connection without close_notify
  failed,         // OpenSSL failed without saying why
};
const std::error_category& error_category();
std::error_code make_error_code(Error e);

// A TLS client connection. OpenSSL writes to the socket itself; what it reads comes through an
// inbox that the coroutine fills with asio's async_read_some (a BIO of our own, client_stream.cpp). Waiting
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
  // Error::truncated for a TCP close without it).
  awaitable<std::pair<asio::error_code, std::size_t>> read_some(std::span<char> into);

  // After a failed handshake: true when the peer's certificate failed verification (unknown CA,
  // expired, another host's name). Such a failure does not heal by itself.
  bool peer_rejected() const;
  // True when the handshake resumed an earlier session.
  bool session_reused() const;
  // The protocol the server chose by ALPN ("h2", "http/1.1"); empty when it chose none.
  std::string_view alpn_protocol() const;
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
  friend struct InboxBio;  // OpenSSL's side of the inbox (client_stream.cpp)

  // Registers the socket with the loop afresh (see client_stream.cpp).
  asio::error_code reregister();
  void free_record_buffers();
  // Waits for the peer's next bytes and puts them in the inbox (eof is noted there, for OpenSSL
  // to judge: after close_notify it is a clean end, else a truncation).
  awaitable<asio::error_code> receive();
  // What to do after an SSL call returned `ret` (with `sys_errno`, the errno it left): wait
  // for the socket and retry, or fail.
  awaitable<asio::error_code> wait_or_fail(int ret, int sys_errno, bool& retry);

  // Bytes received for OpenSSL, not yet taken by it.
  struct Inbox {
    std::array<char, 1024> space;  // Gemini's streamed events are 300-800 bytes (recordings)
    std::span<const char> unread;
    bool filled = false;  // the last read filled its buffer: more is probably waiting
    bool eof = false;     // the peer closed the TCP connection
  };

  asio::io_context& io_;
  tcp::socket socket_;
  ssl_st* ssl_;
  ClientContext& ctx_;
  Inbox inbox_;
  bool cancelled_ = false;
};

}  // namespace chatrelay::tls

template <>
struct std::is_error_code_enum<chatrelay::tls::Error> : std::true_type {};
