// One client connection: reads requests (keep-alive, pipelining), routes them, writes answers,
// and runs streaming handlers joined with a watcher that notices the client going away.
#pragma once

#include <array>
#include <chrono>
#include <list>
#include <optional>
#include <string>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/http/message_parser.hpp"
#include "chatrelay/http/server.hpp"

namespace chatrelay::http {

class Connection final : public Exchange {
 public:
  // `peer`: the client's address, as accept(2) gave it.
  Connection(Server& server, tcp::socket socket, const tcp::endpoint& peer);
  ~Connection() override;

  awaitable<void> run();
  // Server shutdown: close now when idle, else after the current answer.
  void begin_shutdown();
  // The shutdown grace period is over: runs the on_forced_shutdown callback, now and from now on.
  void force_end();

  // Exchange
  const Message& request() const override { return parser_.message(); }
  std::string_view path_param() const override { return path_param_; }
  std::string_view principal() const override { return principal_; }
  awaitable<void> respond(Response r) override;
  awaitable<void> start_stream(int status, std::string_view content_type, std::vector<Header> headers) override;
  awaitable<void> write_chunk(std::string_view data) override;
  awaitable<void> finish_stream(std::string_view last = {}) override;
  void on_forced_shutdown(std::function<void()> f) override;
  std::size_t bytes_sent() const override { return body_bytes_; }
  std::string_view request_id() const override { return common_headers_.front().value; }
  std::chrono::steady_clock::time_point started_at() const override { return request_start_; }
  void annotate_field(log::Field field) override;

 private:
  enum class ReadOutcome { request, closed, error };

  awaitable<void> serve();
  awaitable<ReadOutcome> read_request(bool first);
  awaitable<void> handle_request();
  // Starts the request's bookkeeping (id, CORS headers, route) and gives the answer when it is not
  // a stream (the plain routes, refusals); for an admitted stream, nullopt and `stream` set.
  std::optional<Response> begin_request(const Route*& stream);
  awaitable<void> run_stream(const Route& route);
  // Serializes `r` into out_ and notes its status and size.
  void prepare_response(const Response& r);
  awaitable<void> send_error_and_close(int status, std::string_view detail);
  awaitable<void> watch_client();
  // The next bytes from the client, read into the server's shared buffer: valid until the next
  // suspension. EOF comes as asio::error::eof.
  awaitable<std::pair<asio::error_code, std::string_view>> receive();
  awaitable<void> write_buffers(const asio::const_buffer* bufs, std::size_t n);
  // The same, trying a non-blocking write first (for a stream's chunks).
  awaitable<void> write_now(const asio::const_buffer* bufs, std::size_t n);
  void log_request(int status, std::size_t bytes);

  Server& server_;
  const config::ServerSettings& settings_;
  tcp::socket socket_;
  Deadline deadline_;
  MessageParser parser_;
  std::list<Connection*>::iterator registration_;
  std::string peer_;  // the client's IP address (rate limits, stream caps)

  // Bytes read but not parsed yet: pipelined requests, usually nothing. Reads land in the
  // server's one buffer (receive()), so an open connection holds no read buffer of its own.
  std::string pending_;
  static constexpr std::size_t max_pending = 16 * 1024;  // then stop reading (backpressure)
  std::string out_;  // serialized head/response, reused

  // What every answer to the current request carries: X-Request-Id (the request's id; the entry
  // stays from request to request, so no allocation per request), then CORS headers if any.
  std::vector<Header> common_headers_{Header{"X-Request-Id", {}}};
  std::string_view path_param_;  // into the request's target
  std::string principal_;        // see Exchange::principal
  std::string_view route_label_ = "unmatched";  // for metrics: a route path, "preflight" or "unmatched"
  std::vector<log::Field> annotations_;
  std::chrono::steady_clock::time_point request_start_;
  int status_ = 0;
  std::size_t body_bytes_ = 0;
  unsigned writes_at_once_ = 0;  // write_now: every few go through the loop
  bool responded_ = false;
  bool keep_alive_ = true;
  bool idle_ = true;        // waiting for the first byte of a request
  bool closing_ = false;    // shutdown asked: close after the current answer
  bool client_gone_ = false;
  bool forced_end_ = false;
  std::function<void()> on_forced_;
};

}  // namespace chatrelay::http
