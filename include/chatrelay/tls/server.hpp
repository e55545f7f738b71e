// The server side of TLS (chatrelay-fake-gemini and tests): a context with a certificate, and a
// stream over an accepted socket. asio's ssl::stream does the work inside tls/; nothing of
// OpenSSL shows here.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chatrelay/core/asio.hpp"

namespace chatrelay::tls {

class ServerContext {
 public:
  // Throws std::system_error when the certificate or key cannot be loaded.
  ServerContext(const std::filesystem::path& cert_chain, const std::filesystem::path& key);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The ALPN protocols this server accepts, in its order of preference: a client's offer gets the
  // first one it lists, and a client that offers none of them gets no ALPN (and HTTP/1.1). Empty
  // (the default): ALPN is ignored.
  void set_alpn(std::vector<std::string> protocols);

 private:
  friend class ServerStream;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every operation can be cancelled through the awaiting coroutine (e.g. `op || timer`).
class ServerStream {
 public:
  ServerStream(tcp::socket socket, ServerContext& ctx);
  ~ServerStream();
  ServerStream(const ServerStream&) = delete;
  ServerStream& operator=(const ServerStream&) = delete;

  awaitable<asio::error_code> handshake();
  awaitable<std::pair<asio::error_code, std::size_t>> read_some(std::span<char> into);
  // Writes all of `bytes`.
  awaitable<asio::error_code> write(std::string_view bytes);
  // Sends close_notify and waits for the peer's.
  awaitable<asio::error_code> shutdown();
  // True when the handshake resumed an earlier session.
  bool session_reused() const;
  // The protocol chosen by ALPN; empty when none.
  std::string_view alpn_protocol() const;
  tcp::socket& socket();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::tls
