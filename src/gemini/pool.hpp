// Upstream TLS connections to Gemini: idle ones kept for reuse (keep-alive, TLS resumption), and
// new ones made with a bound on how many handshakes run at once. Private to src/gemini.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/gate.hpp"
#include "chatrelay/gemini/endpoint.hpp"
#include "chatrelay/tls/client.hpp"

namespace chatrelay::gemini {

class Pool {
 public:
  // Throws std::invalid_argument (bad base_url) or std::system_error (CA file).
  Pool(asio::io_context& io, const config::GeminiSettings& settings);

  const Endpoint& endpoint() const { return endpoint_; }
  asio::any_io_executor executor() const { return io_.get_executor(); }
  // An idle connection that is still open and clean, or null.
  std::unique_ptr<tls::ClientStream> take_idle();
  // Keeps `conn` for the next call (a cancelled one, or one past pool_size, is closed instead).
  void put_back(std::unique_ptr<tls::ClientStream> conn);
  void close_idle() { idle_.clear(); }

  // One new connection being made: lookup, TCP connect, TLS handshake.
  class Dial {
   public:
    explicit Dial(Pool& pool) : pool_(pool), resolver_(pool.io_) {}
    // Throws std::system_error (operation_aborted once cancelled).
    awaitable<std::unique_ptr<tls::ClientStream>> run();
    // Ends the step in progress and every later one.
    void cancel();
    // After a failed run(): the peer's certificate failed verification (it will not heal).
    bool certificate_rejected() const { return certificate_rejected_; }

   private:
    awaitable<void> connect_socket(const std::vector<tcp::endpoint>& addresses);
    void throw_if_cancelled() const;

    Pool& pool_;
    tcp::resolver resolver_;  // its own: cancelling it must not touch other calls
    std::optional<Gate::Place> turn_;
    std::unique_ptr<tls::ClientStream> conn_;
    bool cancelled_ = false;
    bool certificate_rejected_ = false;
  };

 private:
  asio::io_context& io_;
  const config::GeminiSettings& settings_;
  Endpoint endpoint_;
  tls::ClientContext tls_;
  Gate handshakes_;
  std::vector<std::unique_ptr<tls::ClientStream>> idle_;
  // The address when base_url names an IP literal (a local fake or proxy): no lookup then, and no
  // thread for asio's resolver.
  std::optional<tcp::endpoint> literal_;
};

}  // namespace chatrelay::gemini
