// Connection: the per-client coroutine. Reads requests under header/body/idle deadlines, decides
// on each head before reading its body, answers them in order (keep-alive, pipelining), and runs
// streaming handlers under a watch on the client's socket, so that a disconnect cancels the
// handler (and its upstream call) at once.
#include "connection.hpp"

#include <algorithm>
#include <cassert>

#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/random.hpp"
#include "chatrelay/http/client_key.hpp"

namespace chatrelay::http {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// The body a route that takes none (GET, DELETE, OPTIONS, HEAD) still accepts: some clients send
// "{}" or a few bytes with every request, and nothing reads it; anything larger is a mistake or a
// way to make us read for nothing, and gets 413 from the head.
constexpr std::size_t small_body_limit = 1024;
// Lingering close (nginx's lingering_time / lingering_timeout): a few seconds in all, a second
// between reads, and a byte count well past any body we accept (see linger()).
constexpr std::chrono::seconds lingering_time(3);
constexpr std::chrono::seconds lingering_wait(1);
constexpr std::size_t lingering_min_bytes = 8 * 1024 * 1024;
// Buffers an idle keep-alive connection keeps for its next request when no larger.
constexpr std::size_t kept_buffer_bytes = 16 * 1024;

// A client-chosen request id is kept when it is short and plain; anything else is replaced.
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}


void release_if_large(std::string& s) {
  if (s.capacity() > kept_buffer_bytes) std::string().swap(s);
}

}  // namespace

Connection::Connection(Server& server, tcp::socket socket, const tcp::endpoint& peer)
    : server_(server),
      settings_(server.settings()),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor(),
                [this] {
                  asio::error_code ignored;
                  socket_.cancel(ignored);
                }),
      parser_(http1::MessageParser::Mode::request, {settings_.max_header_bytes, settings_.max_body_bytes},
              /*stop_after_head=*/true),
      client_(client_key(peer.address())) {
  registration_ = server_.attach(this);
  ++metrics::registry().connections_active;
  asio::error_code ec;
  socket_.non_blocking(true, ec);  // receive() reads without waiting
}

Connection::~Connection() {
  if (watch_token_) watch_token_->owner = nullptr;
  release_stream_slot();
  --metrics::registry().connections_active;
  server_.detach(registration_);
}

void Connection::annotate_field(log::Field field) { annotations_.push_back(std::move(field)); }

awaitable<void> Connection::run() {
  co_await serve();
  asio::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void Connection::begin_shutdown() {
  closing_ = true;
  // Idle, or still reading a request (or lingering): nothing is owed to the client, close now.
  if (state_ != State::handling) {
    asio::error_code ignored;
    socket_.cancel(ignored);
  }
}

void Connection::force_end() {
  forced_end_ = true;
  forced_until_ = clock::now() + Server::forced_end_allowance;
  forced_end_signal_.emit(asio::cancellation_type::terminal);
  // A write under way (a client that reads nothing) gets the allowance, not the write timeout.
  deadline_.expires_after(Server::forced_end_allowance);
}

void Connection::close_now() {
  asio::error_code ignored;
  socket_.close(ignored);
}

awaitable<void> Connection::serve() {
  bool first = true;
  try {
    for (;;) {
      const auto outcome = co_await read(/*head=*/true, first);
      first = false;
      if (outcome == ReadOutcome::closed) break;
      if (outcome != ReadOutcome::complete) {
        co_await refuse_unreadable(outcome);
        break;
      }
      co_await handle_request();
      if (!keep_alive_ || closing_) break;
      end_request();
    }
  } catch (const std::exception& e) {
    // I/O failures end the connection; nothing else is at stake here.
    log::debug("connection ended", {log::kv("reason", e.what())});
  }
}

awaitable<Connection::ReadOutcome> Connection::read(bool head, bool first) {
  using Event = http1::MessageParser::Event;
  const Event wanted = head ? Event::head_complete : Event::message_complete;
  bool started = !head;  // a head read starts idle: until its first byte nothing is owed
  state_ = head ? State::idle : State::reading;
  deadline_.expires_after(seconds_f(!head ? settings_.body_timeout_s
                                    : first ? settings_.header_timeout_s
                                            : settings_.idle_timeout_s));
  // What to parse: first what an earlier read left over, then each read as it lands (in the
  // server's buffer). Only the bytes after what was wanted are copied, for what comes next.
  const std::string carried = std::move(pending_);
  pending_.clear();
  std::string_view input = carried;
  for (;;) {
    if (!input.empty()) {
      const auto r = parser_.feed(input);
      input.remove_prefix(r.consumed);
      // (A head without a body is its whole message.)
      if (r.event == wanted || r.event == Event::message_complete) {
        pending_.assign(input);
        state_ = State::handling;
        deadline_.disarm();
        co_return ReadOutcome::complete;
      }
      if (r.event == Event::error) {
        state_ = State::handling;
        deadline_.disarm();
        co_return ReadOutcome::malformed;
      }
      assert(r.event == Event::need_more && input.empty());
    }
    if (!started && parser_.started()) {
      started = true;
      state_ = State::reading;
      deadline_.expires_after(seconds_f(settings_.header_timeout_s));
    }
    if (closing_) co_return ReadOutcome::closed;  // shutdown: a request half read is dropped
    auto [ec, data] = co_await receive();
    if (ec) {
      if (deadline_.expired() && started) {
        deadline_.clear_expired();
        state_ = State::handling;
        co_return ReadOutcome::timed_out;
      }
      co_return ReadOutcome::closed;  // EOF, reset, idle timeout, shutdown
    }
    input = data;
  }
}

awaitable<std::pair<asio::error_code, std::string_view>> Connection::receive() {
  auto& buf = server_.read_buffer();
  for (;;) {
    asio::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buf), ec);  // non-blocking
    if (ec != asio::error::would_block) co_return std::pair(ec, std::string_view(buf.data(), n));
    // Nothing there: wait until there is. The socket was just found empty, so the readiness
    // edge for the next bytes is still to come.
    auto [wec] = co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
    if (wec) co_return std::pair(wec, std::string_view());
  }
}

awaitable<void> Connection::handle_request() {
  const Route* admitted = nullptr;
  std::optional<http1::Response> refusal;
  if (server_.shares_limits()) {  // the per-address limits ask Redis too
    start_request();
    refusal = co_await decide_shared(admitted);
    refusal = settle(std::move(refusal), admitted);
  } else {
    refusal = begin_request(admitted);
  }
  if (auto& r = refusal) {
    prepare_response(*r);
  } else {
    co_await finish_request(*admitted);
    co_return;
  }
  // answer(), written out: on the hot path (/health) one coroutine frame fewer per request keeps
  // the frames within asio's recycling cache (no allocation per request).
  asio::const_buffer b(out_.data(), out_.size());
  co_await write_buffers(&b, 1);
  log_request(status_, body_bytes_);
  if (linger_) co_await linger();
}

void Connection::start_request() {
  request_open_ = true;
  request_start_ = clock::now();
  status_ = 0;
  body_bytes_ = 0;
  responded_ = false;
  client_gone_ = false;
  linger_ = false;
  common_headers_.resize(1);
  annotations_.clear();
  route_label_ = "unmatched";
  path_param_ = {};
  const http1::Message& req = parser_.message();
  keep_alive_ = req.keep_alive && !closing_;
  auto given_id = req.header("x-request-id");
  auto& request_id = common_headers_.front().value;
  if (usable_request_id(given_id)) request_id.assign(given_id);
  else assign_random_hex_id(request_id);
  server_.cors().add_headers(req, common_headers_);
}

std::size_t Connection::body_limit(const Route& route) const {
  const bool takes_body = route.method == "POST" || route.method == "PUT" || route.method == "PATCH";
  return takes_body ? settings_.max_body_bytes : small_body_limit;
}

Router::Match Connection::match_route() {
  const http1::Message& req = parser_.message();
  auto m = server_.router().match(req.method, req.path());
  if (m.route) route_label_ = m.route->pattern;
  path_param_ = m.param;
  return m;
}

std::optional<http1::Response> Connection::decide(const Route*& admitted) {
  const auto m = match_route();
  // The rate comes first: a refusal (401, 403, 404) or a preflight costs a token like any request.
  if (auto refusal = server_.limit_rate(parser_.message().path(), client_)) return refusal;
  return decide_after_rate(m, admitted);
}

awaitable<std::optional<http1::Response>> Connection::decide_shared(const Route*& admitted) {
  const auto m = match_route();
  const auto path = parser_.message().path();
  if (auto refusal = server_.limit_rate(path, client_)) co_return refusal;
  if (auto refusal = co_await server_.limit_shared_rate(path, client_)) co_return refusal;
  auto refusal = decide_after_rate(m, admitted);
  if (refusal || !stream_slot_) co_return refusal;
  const auto slot = co_await server_.open_shared_stream(client_);
  if (!slot) {
    release_stream_slot();
    admitted = nullptr;
    co_return server_.streams_refusal(path);
  }
  shared_slot_ = *slot;
  co_return std::nullopt;
}

std::optional<http1::Response> Connection::decide_after_rate(const Router::Match& m, const Route*& admitted) {
  const http1::Message& req = parser_.message();
  const auto path = req.path();
  if (auto preflight = server_.cors().preflight(req, server_.router().methods())) {
    route_label_ = "preflight";
    return preflight;
  }
  if (m.route && m.route->open) principal_.clear();  // the page's files: no token, no owner
  else if (auto refusal = server_.authenticate(req, principal_)) return refusal;
  if (!m.route) {
    if (m.slash_redirect) {  // FastAPI's redirect_slashes, with the query kept
      http1::Response r;
      r.status = 307;
      r.content_type = {};
      std::string location(path.substr(0, path.size() - 1));
      location.append(std::string_view(req.target).substr(path.size()));
      r.header("Location", std::move(location));
      return r;
    }
    const auto& router = server_.router();
    if (m.allow.empty()) return router.refusal(path, 404, "Not Found");
    auto r = router.refusal(path, 405, "Method Not Allowed");
    r.header("Allow", m.allow);
    return r;
  }
  if (!parser_.message_complete() && req.content_length.value_or(0) > body_limit(*m.route))
    return server_.router().refusal(path, 413, "Request body too large");
  if (m.route->stream_slot) {
    if (!server_.open_stream(client_)) return server_.streams_refusal(path);
    stream_slot_ = true;
  }
  admitted = m.route;
  return std::nullopt;
}

std::optional<http1::Response> Connection::begin_request(const Route*& admitted) {
  start_request();
  auto refusal = decide(admitted);  // before settle() reads `admitted`
  return settle(std::move(refusal), admitted);
}

std::optional<http1::Response> Connection::settle(std::optional<http1::Response> refusal, const Route* admitted) {
  const http1::Message& req = parser_.message();
  if (refusal) {
    if (!parser_.message_complete()) {
      // Refused before its body was read: the answer closes, then lingers (linger()).
      refusal->close = true;
      linger_ = true;
    }
    return refusal;
  }
  // The hot path (a GET): the request is whole already, and a plain route answers at once.
  if (parser_.message_complete()) return admitted->plain ? std::optional(admitted->plain(req)) : std::nullopt;
  parser_.accept_body(body_limit(*admitted));  // its Content-Length is within it (decide())
  return std::nullopt;
}

awaitable<void> Connection::finish_request(const Route& route) {
  if (!parser_.message_complete()) {
    const http1::Message& req = parser_.message();
    // Only now, the request being admitted, may the client send its body (RFC 9110 §10.1.1); an
    // HTTP/1.0 client does not know 100, and one that has begun sending needs no invitation.
    if (req.version_minor >= 1 && pending_.empty() && http1::iequals(req.header("expect"), "100-continue")) {
      asio::const_buffer b(continue_line.data(), continue_line.size());
      co_await write_buffers(&b, 1);
    }
    const auto outcome = co_await read(/*head=*/false, false);
    if (outcome == ReadOutcome::closed) {
      keep_alive_ = false;
      co_return;
    }
    if (outcome != ReadOutcome::complete) {
      co_await refuse_unreadable(outcome);
      keep_alive_ = false;
      co_return;
    }
  }
  if (route.plain) {
    co_await answer(route.plain(parser_.message()));
    co_return;
  }
  co_await run_stream(route);
  log_request(status_, body_bytes_);
}

awaitable<void> Connection::answer(const http1::Response& r) {
  prepare_response(r);
  asio::const_buffer b(out_.data(), out_.size());
  co_await write_buffers(&b, 1);
  log_request(status_, body_bytes_);
  if (linger_) co_await linger();
}

awaitable<void> Connection::refuse_unreadable(ReadOutcome outcome) {
  // A head that never completed still names the request by what of it was read: its Origin
  // (CORS, so that a browser can read the status) and X-Request-Id (MessageParser keeps both).
  if (!request_open_) start_request();
  const auto& router = server_.router();
  const auto path = parser_.message().path();
  http1::Response r = outcome == ReadOutcome::timed_out ? router.refusal(path, 408, "Request timeout")
                                                 : router.refusal(path, parser_.error_status(), parser_.error_reason());
  r.close = true;
  keep_alive_ = false;
  linger_ = true;
  co_await answer(r);
}

awaitable<void> Connection::linger() {
  // Nothing of the request is kept while its rest goes by: the reads land in the server's buffer.
  parser_.message().clear();
  std::string().swap(pending_);
  std::string().swap(out_);
  asio::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  state_ = State::lingering;
  const auto until = clock::now() + lingering_time;
  const std::size_t max_bytes = std::max(lingering_min_bytes, 2 * settings_.max_body_bytes);
  std::size_t drained = 0;
  while (drained < max_bytes && !closing_) {
    const auto left = until - clock::now();
    if (left <= clock::duration::zero()) break;
    deadline_.expires_after(std::min<clock::duration>(lingering_wait, left));
    auto [ec, data] = co_await receive();
    if (ec) break;  // EOF (the client read our answer and closed), reset, or the time is up
    drained += data.size();
  }
  deadline_.disarm();
  deadline_.clear_expired();
}

void Connection::end_request() {
  parser_.next();  // the Message gives back what it grew (Message::clear)
  release_if_large(out_);
  if (pending_.empty()) release_if_large(pending_);
  release_stream_slot();
  request_open_ = false;
}

void Connection::release_stream_slot() {
  if (stream_slot_) {
    server_.close_stream(client_);
    stream_slot_ = false;
  }
  server_.close_shared_stream(shared_slot_);
  shared_slot_ = 0;
}

awaitable<void> Connection::run_stream(const Route& route) {
  watch_client();
  std::exception_ptr failure;
  try {
    co_await route.async(*this);
  } catch (...) {
    failure = std::current_exception();
  }
  const bool cancelled = stop_watching();
  if ((co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none)
    co_await asio::this_coro::reset_cancellation_state();  // so that the connection's next awaits go on
  release_stream_slot();
  if (cancelled || client_gone_) keep_alive_ = false;
  // A stream cancelled by the watch ends as it can; its exception only says it was cancelled.
  if (failure && !cancelled) std::rethrow_exception(failure);
  if (!responded_ && !client_gone_)
    co_await respond(server_.router().refusal(parser_.message().path(), 500, "Internal Server Error"));
}

void Connection::watch_client() {
  if (!watch_token_) watch_token_ = std::make_shared<WatchToken>(WatchToken{this});
  ++watch_generation_;
  watch_ = Watch::waiting;
  on_client_readable({}, watch_generation_);  // reads what is already there, then waits
}

void Connection::on_client_readable(const asio::error_code& wait_error, unsigned generation) {
  if (generation != watch_generation_ || watch_ != Watch::waiting) return;
  watch_armed_ = false;
  asio::error_code ec = wait_error;
  auto& buf = server_.read_buffer();
  while (!ec) {
    if (pending_.size() >= max_pending) return;  // full of pipelined requests: stop reading
    const std::size_t n = socket_.read_some(asio::buffer(buf), ec);  // non-blocking
    if (ec == asio::error::would_block) {
      watch_armed_ = true;
      socket_.async_wait(tcp::socket::wait_read, [token = watch_token_, generation](const asio::error_code& e) {
        if (token->owner) token->owner->on_client_readable(e, generation);
      });
      return;
    }
    if (!ec) pending_.append(buf.data(), n);
  }
  // EOF or a reset: the client went away. Aborted: the write deadline (the client reads nothing),
  // or the socket closed under the stream; either way the stream ends.
  if (ec != asio::error::operation_aborted || deadline_.expired()) client_gone_ = true;
  watch_ = Watch::ended;
  stop_signal_.emit(asio::cancellation_type::all);
}

bool Connection::stop_watching() {
  const bool ended = watch_ == Watch::ended;
  watch_ = Watch::off;
  if (watch_armed_) {
    watch_armed_ = false;
    asio::error_code ignored;
    socket_.cancel(ignored);  // the stream is over: the wait is all that is pending on the socket
  }
  return ended;
}

}  // namespace chatrelay::http
