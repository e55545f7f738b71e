// One client connection of the fake that chose h2 by ALPN: its streams each play a plan, the
// same plans as HTTP/1.1 (h2_answer.hpp turns their bytes into frames), side by side.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http2/session.hpp"
#include "chatrelay/tls/server.hpp"
#include "h2_answer.hpp"
#include "plan.hpp"

namespace chatrelay::fake {

struct Services;

class H2Connection {
 public:
  H2Connection(Services& services, tls::ServerStream& stream);
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  // Serves streams until the client goes or a plan ends the connection. Returns true when a plan
  // asked for a TCP reset. Never throws.
  awaitable<bool> run();

 private:
  struct Stream {
    explicit Stream(asio::any_io_executor ex) : wake(ex) {}
    std::int32_t id = 0;
    std::vector<http2::Header> headers;
    std::string body;
    H2Answer answer;
    steady_timer wake;  // the plan's pauses; cancelled when the stream closes or drains
    bool closed = false;
    bool waiting_drain = false;
  };

  awaitable<void> read_loop();
  awaitable<void> write_loop();
  void on_event(const http2::Event& e);
  void start(std::int32_t id);
  awaitable<void> play(std::shared_ptr<Stream> s, std::shared_ptr<const Plan> plan);
  awaitable<void> play_events(Stream& s, const Plan& plan);
  // Sends bytes of the plan's HTTP/1.1 answer on the stream; waits while too much is queued.
  awaitable<void> emit(Stream& s, std::string_view bytes);
  awaitable<void> pause(Stream& s, steady_timer::duration d);
  void flush();
  // Ends the whole connection (a plan's close or reset) once what is queued was written.
  void end_connection(bool reset);
  void close_socket();

  Services& services_;
  tls::ServerStream& stream_;
  http2::Session session_;
  std::map<std::int32_t, std::shared_ptr<Stream>> streams_;
  steady_timer write_wake_;
  steady_timer plays_done_;
  std::size_t plays_ = 0;
  std::size_t started_ = 0;          // streams dispatched on this connection
  std::int32_t goaway_last_ = -1;    // >= 0: GOAWAY sent, no stream above this is served
  std::string writing_;
  bool done_ = false;
  bool close_after_write_ = false;
  bool reset_ = false;
};

}  // namespace chatrelay::fake
