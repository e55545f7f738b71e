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
#include "h2_connection.hpp"

namespace chatrelay::gemini {

class Pool {
 public:
  // Throws std::invalid_argument (bad base_url) or std::system_error (CA file).
  Pool(asio::io_context& io, const config::GeminiSettings& settings);
  ~Pool();

  const Endpoint& endpoint() const { return endpoint_; }
  asio::any_io_executor executor() const { return io_.get_executor(); }
  // An idle connection that is still open and clean, or null.
  std::unique_ptr<tls::ClientStream> take_idle();
  // Keeps `conn` for the next call (a cancelled one, or one past pool_size, is closed instead).
  void put_back(std::unique_ptr<tls::ClientStream> conn);
  // Closes idle connections, and from now on each HTTP/2 connection as its last stream ends.
  void close_idle();

  std::shared_ptr<H2Connection::Shared> h2_shared() const { return h2_shared_; }

  // HTTP/2: asked for (gemini.http2), and the server has not answered a dial with HTTP/1.1.
  bool h2_wanted() const { return settings_.http2 && !h1_only_; }
  // The server chose HTTP/1.1 by ALPN: calls stop waiting for HTTP/2 room.
  void note_h1();
  // A live HTTP/2 connection with room for one more stream (the fullest such), or null.
  std::shared_ptr<H2Connection> take_h2();
  // Connections being dialled will bring room for more streams than the calls already waiting
  // for them: a burst waits for those instead of each dialling its own.
  bool h2_room_coming() const;
  // Waits until a dial ends (or `timer` is cancelled: the call's own stop).
  awaitable<void> wait_for_dial(steady_timer& timer);
  // A dial that may bring an HTTP/2 connection: counted from its start until it fails, brings
  // HTTP/1.1, or its HTTP/2 connection knows its MAX_CONCURRENT_STREAMS (hand_over).
  class DialInFlight {
   public:
    explicit DialInFlight(Pool& pool) : pool_(&pool) { ++pool.dials_; }
    ~DialInFlight() {
      if (pool_) pool_->dial_ended();
    }
    DialInFlight(const DialInFlight&) = delete;
    DialInFlight& operator=(const DialInFlight&) = delete;
    // The h2 connection it brought; its dial ends when the server's SETTINGS arrive.
    void hand_over(std::shared_ptr<H2Connection> conn);

   private:
    Pool* pool_;
  };

  // One new connection being made: lookup, TCP connect, TLS handshake.
  class Dial {
   public:
    explicit Dial(Pool& pool) : pool_(pool), resolver_(pool.io_) {}
    ~Dial() { leave_turn(); }
    Dial(const Dial&) = delete;
    Dial& operator=(const Dial&) = delete;
    // Throws std::system_error (operation_aborted once cancelled).
    awaitable<std::unique_ptr<tls::ClientStream>> run();
    // Ends the step in progress and every later one.
    void cancel();
    // After a failed run(): the peer's certificate failed verification (it will not heal).
    bool certificate_rejected() const { return certificate_rejected_; }

   private:
    awaitable<void> connect_socket(const std::vector<tcp::endpoint>& addresses);
    void throw_if_cancelled() const;
    void leave_turn();

    Pool& pool_;
    tcp::resolver resolver_;  // its own: cancelling it must not touch other calls
    std::optional<Gate::Place> turn_;
    std::unique_ptr<tls::ClientStream> conn_;
    bool cancelled_ = false;
    bool certificate_rejected_ = false;
    bool counted_ = false;  // in metrics' upstream_handshakes_active
  };

 private:
  asio::io_context& io_;
  const config::GeminiSettings& settings_;
  Endpoint endpoint_;
  tls::ClientContext tls_;
  Gate handshakes_;
  std::vector<std::unique_ptr<tls::ClientStream>> idle_;
  std::vector<std::shared_ptr<H2Connection>> h2_;
  std::vector<steady_timer*> dial_waiters_;
  std::shared_ptr<H2Connection::Shared> h2_shared_ = std::make_shared<H2Connection::Shared>();
  std::size_t dials_ = 0;             // DialInFlight alive
  std::size_t assumed_streams_ = 100; // per new connection: the last server's MAX_CONCURRENT_STREAMS
  bool h1_only_ = false;

  void dial_ended();
  void wake_dial_waiters();
  // The address when base_url names an IP literal (a local fake or proxy): no lookup then, and no
  // thread for asio's resolver.
  std::optional<tcp::endpoint> literal_;
};

}  // namespace chatrelay::gemini
