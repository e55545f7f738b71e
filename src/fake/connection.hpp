// One client connection of the fake: TLS handshake, keep-alive request loop, and playing plans
// while watching for the client going away.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http1/message_parser.hpp"
#include "chatrelay/tls/server.hpp"
#include "options.hpp"
#include "plan.hpp"
#include "scenarios.hpp"
#include "state.hpp"

namespace chatrelay::fake {

// What every connection shares; lives as long as the io_context runs.
struct Services {
  tls::ServerContext& tls;
  State& state;
  Scenarios& scenarios;
  const Options& options;
};

class Connection {
 public:
  Connection(Services& services, tcp::socket socket);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests until either side closes. Never throws.
  awaitable<void> run();

 private:
  awaitable<bool> handshake();
  // False when the client went away, or sent garbage (then it got a 400).
  awaitable<bool> read_request();
  // Throws std::system_error when a write fails.
  awaitable<void> play(const Plan& plan);
  // The events (again and again when endless), then the tail, each event after plan.delay.
  awaitable<void> play_events(const Plan& plan);
  // Completes when the client closes or resets the connection (sets client_gone_).
  awaitable<void> watch_client();
  awaitable<void> write(std::string_view bytes);
  awaitable<void> sleep(std::chrono::steady_clock::duration d);
  void close(bool reset);

  Services& services_;
  GaugeGuard open_;
  tls::ServerStream stream_;
  http1::MessageParser parser_;
  std::array<char, 16 * 1024> buf_{};
  std::size_t begin_ = 0;  // unparsed bytes are buf_[begin_, end_)
  std::size_t end_ = 0;
  std::string head_;  // the plan's head with today's Date
  bool client_gone_ = false;
};

}  // namespace chatrelay::fake
