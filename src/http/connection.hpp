// One client connection: reads requests (keep-alive, pipelining), decides on each head (route,
// limits, auth, size) before reading its body, answers, and runs streaming handlers joined with
// a watcher that notices the client going away.
#pragma once

#include <array>
#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/http1/message_parser.hpp"
#include "chatrelay/http/server.hpp"

namespace chatrelay::http {

class Connection final : public Exchange {
 public:
  // `peer`: the client's address, as accept(2) gave it.
  Connection(Server& server, tcp::socket socket, const tcp::endpoint& peer);
  ~Connection() override;

  awaitable<void> run();
  // What stops the stream a request runs (the client went away): the server binds it to run()'s
  // coroutine, so emitting it cancels whatever that coroutine awaits.
  asio::cancellation_slot stop_slot() { return stop_signal_.slot(); }
  // Server shutdown: close now when idle or still reading a request, else after the current
  // answer.
  void begin_shutdown();
  // The shutdown grace period is over: emits the forced-end signal, and gives what is still being
  // written Server::forced_end_allowance.
  void force_end();
  // The last step of a shutdown: closes the socket, whatever is pending on it.
  void close_now();

  // Exchange
  const http1::Message& request() const override { return parser_.message(); }
  std::string_view path_param() const override { return path_param_; }
  std::string_view principal() const override { return principal_; }
  awaitable<void> respond(http1::Response r) override;
  awaitable<void> start_stream(int status, std::string_view content_type, std::vector<http1::Header> headers) override;
  awaitable<void> write_chunk(std::string_view data) override;
  awaitable<void> finish_stream(std::string_view last = {}) override;
  asio::cancellation_slot forced_end_slot() override { return forced_end_signal_.slot(); }
  bool forced_end() const override { return forced_end_; }
  std::size_t bytes_sent() const override { return body_bytes_; }
  std::string_view request_id() const override { return common_headers_.front().value; }
  std::chrono::steady_clock::time_point started_at() const override { return request_start_; }
  void annotate_field(log::Field field) override;

 private:
  enum class ReadOutcome { complete, closed, malformed, timed_out };
  enum class State { idle, reading, handling, lingering };

  awaitable<void> serve();
  // Reads until the current request's head (`head`) or whole body is in, under the header, idle
  // or body deadline.
  awaitable<ReadOutcome> read(bool head, bool first);
  awaitable<void> handle_request();
  // Starts the request's bookkeeping (id, CORS headers, counters) from what its head holds.
  void start_request();
  // Decides on the head (DESIGN.md §4): a refusal (rate, preflight, auth, route, size, stream
  // cap), or the route admitted (its body may be read; `admitted` set).
  std::optional<http1::Response> decide(const Route*& admitted);
  // The same, with the limits shared with other instances asked after the in-process ones (the
  // shared rate right after this instance's, the shared stream cap last).
  awaitable<std::optional<http1::Response>> decide_shared(const Route*& admitted);
  // decide()'s steps after the rate, on the route `m` matched.
  std::optional<http1::Response> decide_after_rate(const Router::Match& m, const Route*& admitted);
  Router::Match match_route();
  // What a route reads of a body: max_body_bytes when it takes one (POST, PUT, PATCH), else
  // small_body_limit.
  std::size_t body_limit(const Route& route) const;
  // The answer to a plain route whose request is whole, or a refusal; nullopt when `admitted`
  // has a body still to read or is an async route.
  std::optional<http1::Response> begin_request(const Route*& admitted);
  // begin_request() after the decision.
  std::optional<http1::Response> settle(std::optional<http1::Response> refusal, const Route* admitted);
  // Reads the admitted request's body (after 100 Continue when asked), then runs its route.
  awaitable<void> finish_request(const Route& route);
  awaitable<void> run_stream(const Route& route);
  // Writes `r`, logs it, and when it refuses a request whose body was not read, lingers.
  awaitable<void> answer(const http1::Response& r);
  // The answer to a request that could not be read (400, 408, 413, 431, 505); the connection then
  // closes.
  awaitable<void> refuse_unreadable(ReadOutcome outcome);
  // RFC 9112 §9.6: after an answer sent before the request was read, stop writing and read and
  // discard what the client still sends, for a bounded time and byte count, so that it reads the
  // answer instead of a reset.
  awaitable<void> linger();
  // Serializes `r` into out_ and notes its status and size.
  void prepare_response(const http1::Response& r);
  // While a stream runs, the client's socket is watched by a plain wait handler rather than a
  // coroutine raced against the stream: a held stream then costs no second coroutine, parallel
  // group or spawned thread. What the client sends meanwhile is kept for the next request (up to
  // max_pending, then it is not read: backpressure); its end, a reset or the write deadline sets
  // client_gone_, and any end of the watch cancels the stream through stop_signal_.
  void watch_client();
  void on_client_readable(const asio::error_code& ec, unsigned generation);
  // Ends the watch; true when it had ended by itself (the stream was cancelled).
  bool stop_watching();
  // The next bytes from the client, read into the server's shared buffer: valid until the next
  // suspension. EOF comes as asio::error::eof.
  awaitable<std::pair<asio::error_code, std::string_view>> receive();
  awaitable<void> write_buffers(const asio::const_buffer* bufs, std::size_t n);
  // The same, trying a non-blocking write first (for a stream's chunks).
  awaitable<void> write_now(const asio::const_buffer* bufs, std::size_t n);
  // What the request held that an idle connection need not (body, large buffers, stream slot).
  void end_request();
  // Gives back the client's stream slots this request holds (this instance's and the shared one).
  void release_stream_slot();
  void log_request(int status, std::size_t bytes);

  Server& server_;
  const config::ServerSettings& settings_;
  tcp::socket socket_;
  Deadline deadline_;
  http1::MessageParser parser_;
  std::list<Connection*>::iterator registration_;
  std::string client_;  // client_key() of its address (rate limits, stream caps)

  // Bytes read but not parsed yet: pipelined requests, or the body's first bytes while the head is
  // decided on. Reads land in the server's one buffer (receive()), so an open connection holds no
  // read buffer of its own.
  std::string pending_;
  static constexpr std::size_t max_pending = 16 * 1024;  // then stop reading (backpressure)
  std::string out_;  // serialized head/response, reused

  // What every answer to the current request carries: X-Request-Id (the request's id; the entry
  // stays from request to request, so no allocation per request), then CORS headers if any.
  std::vector<http1::Header> common_headers_{http1::Header{"X-Request-Id", {}}};
  std::string_view path_param_;  // into the request's target
  std::string principal_;        // see Exchange::principal
  std::string_view route_label_ = "unmatched";  // for metrics: a route path, "preflight" or "unmatched"
  std::vector<log::Field> annotations_;
  std::chrono::steady_clock::time_point request_start_;
  std::chrono::steady_clock::time_point forced_until_;  // after force_end: the writes' deadline
  int status_ = 0;
  std::size_t body_bytes_ = 0;
  unsigned writes_at_once_ = 0;  // write_now: every few go through the loop
  State state_ = State::idle;
  bool request_open_ = false;  // start_request() ran for the current request
  bool responded_ = false;
  bool keep_alive_ = true;
  bool linger_ = false;          // the current answer refuses a body that was not read
  bool stream_slot_ = false;     // holds one of the client's max_streams_per_ip
  std::uint64_t shared_slot_ = 0;  // and this one of them across instances (0: none)
  bool close_delimited_ = false; // the stream's body ends with the connection (HTTP/1.0)
  bool closing_ = false;    // shutdown asked: close after the current answer
  bool client_gone_ = false;
  bool forced_end_ = false;
  asio::cancellation_signal forced_end_signal_;

  enum class Watch { off, waiting, ended };
  Watch watch_ = Watch::off;
  bool watch_armed_ = false;       // a wait is outstanding
  unsigned watch_generation_ = 0;  // a wait left over from an earlier stream is ignored
  // Held by each outstanding wait: the Connection may be gone when a cancelled wait completes.
  struct WatchToken {
    Connection* owner;
  };
  std::shared_ptr<WatchToken> watch_token_;
  asio::cancellation_signal stop_signal_;
};

}  // namespace chatrelay::http
