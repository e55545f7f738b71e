// One upstream connection that chose h2 by ALPN: many calls' streams over one TLS connection,
// each with its own flow-control window opened only as its call hands its bytes on (DESIGN.md §3).
// A read loop feeds the http2::Session; a write loop sends what it has to say. Private to
// src/gemini.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http2/session.hpp"
#include "chatrelay/tls/client.hpp"

namespace chatrelay::gemini {

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  // What the pool's HTTP/2 connections share: whether idle ones may stay open.
  struct Shared {
    bool closing = false;   // shutting down: a connection closes as its last stream ends
    std::size_t idle = 0;   // connections open with no stream
  };

  // What one stream received, for its call to take; `wake` is cancelled whenever it changes.
  struct Stream {
    explicit Stream(asio::any_io_executor ex) : wake(ex) {}
    std::int32_t id = 0;
    int status = 0;     // the response's :status, once its head arrived
    std::string data;   // body bytes not yet taken
    bool ended = false;   // Gemini's side is complete
    bool closed = false;  // the stream is gone (`code` says why)
    std::uint32_t code = 0;
    std::optional<std::error_code> failure;  // the connection failed
    steady_timer wake;

    // Gemini never processed it (the streams above a GOAWAY's last id close so): safe to send again.
    bool refused() const { return closed && code == static_cast<std::uint32_t>(http2::Code::refused_stream); }
  };

  // A connection whose last stream ends stays open for the next ones only when it is the only
  // idle one, nothing is shutting down, and that stream ended cleanly (as HTTP/1.1 keeps only
  // connections whose answer was read whole, DESIGN.md §3).
  // `read_buffer` is shared with every call on the loop, as Call's is: what is read into it is
  // fed to the session before the read loop next suspends.
  H2Connection(std::unique_ptr<tls::ClientStream> conn, std::shared_ptr<Shared> shared, std::span<char> read_buffer);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Starts the read and write loops; `ready` runs once, when the server's SETTINGS arrive (its
  // MAX_CONCURRENT_STREAMS is known) or the connection fails before that.
  void start(std::function<void()> ready);

  // Streams it can take now: none once it drains (GOAWAY) or failed; one until the server's
  // SETTINGS arrived.
  std::size_t room() const;
  bool usable() const { return !dead_ && !draining_; }
  std::size_t open_streams() const { return streams_.size(); }
  std::uint32_t max_streams() const { return session_.peer_max_concurrent_streams(); }

  // Opens a stream; null when the connection can take none any more.
  std::shared_ptr<Stream> open(std::span<const http2::Header> headers, std::string_view body);
  // `n` bytes of `s` were handed on: its window opens by as much.
  void consumed(const Stream& s, std::size_t n);
  // The call is done with `s`: a stream still open is reset (RST_STREAM CANCEL), the rest of the
  // connection carries on.
  void release(Stream& s);
  // Closes the connection; its streams fail. `ready` is forgotten first when `quietly`.
  void close(bool quietly = false);

 private:
  awaitable<void> read_loop([[maybe_unused]] std::shared_ptr<H2Connection> keep);
  awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<H2Connection> keep);
  void handle(const http2::Session::Fed& fed);
  void fail(std::error_code ec);
  // Wakes the write loop when the session has frames to send, or when the connection died (the
  // loop ends then): most reads give nghttp2 nothing to answer (its WINDOW_UPDATEs wait for half
  // a window).
  void flush() {
    if (dead_ || session_.want_write()) write_wake_.cancel();
  }
  // `clean`: the stream ended normally (not reset by us, not failed).
  void forget(std::int32_t id, bool clean);
  void set_idle(bool idle);
  void call_ready();

  std::unique_ptr<tls::ClientStream> conn_;
  std::span<char> read_buffer_;
  http2::Session session_;
  std::map<std::int32_t, std::shared_ptr<Stream>> streams_;
  steady_timer write_wake_;
  std::function<void()> ready_;
  std::shared_ptr<Shared> shared_;
  bool idle_ = false;  // counted in shared_->idle
  bool settings_ = false;  // the server's SETTINGS arrived
  bool draining_ = false;  // GOAWAY received
  bool dead_ = false;
};

}  // namespace chatrelay::gemini
