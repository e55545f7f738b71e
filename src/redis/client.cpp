// Client: the connection's two coroutines (replies in, commands out) joined with ||, the calls
// waiting on a timer each (cancelled when the reply comes), and the reconnect loop.
#include "chatrelay/redis/client.hpp"

#include <array>
#include <optional>
#include <variant>

#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/redis/command.hpp"
#include "chatrelay/redis/reply_reader.hpp"
#include "chatrelay/tls/client.hpp"

namespace chatrelay::redis {
namespace {

constexpr auto min_backoff = std::chrono::milliseconds(50);


// One call waiting for its reply.
struct Pending {
  explicit Pending(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;  // the call's deadline; cancelled when the reply (or a failure) comes
  std::optional<Reply> reply;
  std::string failure;       // set when the connection was lost first
  std::uint64_t generation = 0;
  bool abandoned = false;    // timed out or cancelled: its reply is dropped when it comes
};

}  // namespace

struct Client::State {
  State(asio::io_context& io, ClientOptions o)
      : io(io),
        ex(io.get_executor()),
        options(std::move(o)),
        tls_context(options.tls ? std::make_unique<tls::ClientContext>(options.ca_file) : nullptr),
        plain(ex),
        wake(ex),
        backoff(ex) {}

  // The connection's socket: under TLS (rediss://), the TLS stream's.
  tcp::socket& socket() { return secure ? secure->socket() : plain; }
  // Throw asio::system_error, as the plain socket's operations do.
  awaitable<std::size_t> read_some(std::span<char> into) {
    if (!secure) co_return co_await plain.async_read_some(asio::buffer(into.data(), into.size()), asio::use_awaitable);
    const auto [ec, n] = co_await secure->read_some(into);
    if (ec) throw asio::system_error(ec);
    co_return n;
  }
  awaitable<void> write(std::string_view data) {
    if (!secure) {
      co_await asio::async_write(plain, asio::buffer(data), asio::use_awaitable);
      co_return;
    }
    const std::string_view parts[] = {data};
    if (const auto ec = co_await secure->write(parts)) throw asio::system_error(ec);
  }

  asio::io_context& io;
  asio::any_io_executor ex;
  ClientOptions options;
  std::unique_ptr<tls::ClientContext> tls_context;  // rediss://
  tcp::socket plain;
  std::unique_ptr<tls::ClientStream> secure;  // one per connection, over its own socket
  asio::steady_timer wake;     // the writer waits on it while there is nothing to send
  asio::steady_timer backoff;  // between reconnection attempts
  std::unique_ptr<ReplyReader> reader;
  std::string out;             // commands queued for the writer
  std::deque<std::shared_ptr<Pending>> pending;  // in the order their replies come
  std::uint64_t generation = 0;  // one per connection
  bool connected = false;
  bool stopped = false;
};

namespace {

using StatePtr = std::shared_ptr<Client::State>;

awaitable<Reply> read_reply(Client::State& s) {
  std::array<char, 4096> buf;
  for (;;) {
    if (auto r = s.reader->next()) co_return std::move(*r);
    const std::size_t n = co_await s.read_some(buf);
    s.reader->feed({buf.data(), n});
  }
}

// Ends the connection: every call waiting on it fails now (their callers say "history
// unavailable"), and the next ones fail until a new connection is up.
void lose(Client::State& s, const std::string& reason) {
  s.connected = false;
  ++s.generation;
  asio::error_code ignored;
  s.socket().close(ignored);
  s.out.clear();
  for (auto& p : s.pending) {
    p->failure = "lost the Redis connection: " + reason;
    p->timer.cancel();
  }
  s.pending.clear();
}

// TCP, then AUTH and SELECT from the URL (or a PING, to know it is Redis and needs no password).
awaitable<void> establish(StatePtr s) {
  const Endpoint& e = s->options.endpoint;
  tcp::resolver resolver(s->ex);
  const auto addresses = co_await resolver.async_resolve(e.host, std::to_string(e.port), asio::use_awaitable);
  if (s->tls_context) s->secure = std::make_unique<tls::ClientStream>(s->io, *s->tls_context);
  else s->plain = tcp::socket(s->ex);
  co_await asio::async_connect(s->socket(), addresses, asio::use_awaitable);
  s->socket().set_option(tcp::no_delay(true));
  if (s->secure) {
    std::string why;
    if (const auto ec = co_await s->secure->handshake(e.host, why)) {
      if (s->secure->peer_rejected())
        throw CertificateRejected("cannot verify the Redis server's certificate (" + why + ")");
      throw Unavailable("the TLS handshake with Redis failed (" + (why.empty() ? ec.message() : why) + ")");
    }
  }
  s->reader = std::make_unique<ReplyReader>(s->options.max_reply_bytes);
  std::string hello;
  int expected = 0;
  if (!e.password.empty()) {
    if (e.user.empty()) append_command(hello, {"AUTH", e.password});
    else append_command(hello, {"AUTH", e.user, e.password});
    ++expected;
  }
  if (e.db != 0) {
    append_command(hello, {"SELECT", std::to_string(e.db)});
    ++expected;
  }
  append_command(hello, {"PING"});
  ++expected;
  co_await s->write(hello);
  std::fill(hello.begin(), hello.end(), '\0');  // it held the password
  for (int i = 0; i < expected; ++i) {
    const Reply r = co_await read_reply(*s);
    if (!r.is_error()) continue;
    if (!e.password.empty() && i == 0)
      throw AuthFailed("Redis refused the user and password of memory.redis_url (" + r.text + ")");
    if (r.text.starts_with("NOAUTH"))
      throw AuthFailed("Redis asks for a password and memory.redis_url has none (" + r.text + ")");
    if (e.db != 0 && i == expected - 2)
      throw AuthFailed("Redis refused database " + std::to_string(e.db) + " of memory.redis_url (" + r.text + ")");
    throw Unavailable("Redis answered the connection's first commands with an error (" + r.text + ")");
  }
}

// establish() within the timeout: a Deadline closes the socket when it passes. (Not `||` with a
// sleep: asio's `||` waits for the first *success*, so a refused AUTH would wait for the timer.)
// Throws AuthFailed or Unavailable.
awaitable<void> connect(StatePtr s) {
  Deadline guard(s->ex, [s] {
    asio::error_code ignored;
    s->socket().close(ignored);
  });
  guard.expires_after(s->options.timeout);
  const auto timed_out = [&] {
    return Unavailable("Redis did not answer within " + std::to_string(to_seconds(s->options.timeout)) +
                       " s of connecting");
  };
  try {
    co_await establish(s);
  } catch (const Unavailable&) {
    lose(*s, "connecting");
    throw;
  } catch (const std::exception& e) {
    lose(*s, e.what());
    if (guard.expired()) throw timed_out();
    throw Unavailable(std::string("cannot connect to Redis: ") + e.what());
  }
  if (guard.expired()) {
    lose(*s, "timed out connecting");
    throw timed_out();
  }
  s->connected = true;
}

void deliver(Client::State& s, Reply&& reply) {
  if (s.pending.empty()) throw ProtocolError("Redis sent a reply nobody asked for");
  auto p = std::move(s.pending.front());
  s.pending.pop_front();
  if (p->abandoned) return;
  p->reply = std::move(reply);
  p->timer.cancel();
}

// Each loop ends by returning why: asio's `||` ends at the first to *complete*, and cancels the
// other; an exception would not end it.
awaitable<std::string> read_loop(StatePtr s) {
  std::array<char, 16384> buf;
  try {
    for (;;) {
      while (auto r = s->reader->next()) deliver(*s, std::move(*r));
      const std::size_t n = co_await s->read_some(buf);
      s->reader->feed({buf.data(), n});
    }
  } catch (const std::exception& e) {
    co_return e.what();
  }
}

// All queued commands go out in one write: the pipelining.
awaitable<std::string> write_loop(StatePtr s) {
  std::string writing;
  try {
    for (;;) {
      if (s->out.empty()) {
        s->wake.expires_at(asio::steady_timer::time_point::max());
        co_await s->wake.async_wait(use_tuple);
        const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        if (cancelled != asio::cancellation_type::none || !s->socket().is_open()) co_return "closed";
        continue;
      }
      writing.swap(s->out);
      co_await s->write(writing);
      writing.clear();
    }
  } catch (const std::exception& e) {
    co_return e.what();
  }
}

// The connection while it lasts, then reconnection with backoff, until stop().
awaitable<void> run(StatePtr s) {
  asio::steady_timer::duration backoff = min_backoff;
  for (;;) {
    if (s->connected) {
      auto ended = co_await (read_loop(s) || write_loop(s));
      std::string reason = ended.index() == 0 ? std::get<0>(ended) : std::get<1>(ended);
      if (s->stopped) co_return;
      log::warn("lost the Redis connection; reconnecting", {log::kv("reason", reason)});
      lose(*s, reason);
    }
    if (s->stopped) co_return;
    s->backoff.expires_after(backoff);
    co_await s->backoff.async_wait(use_tuple);
    if (s->stopped) co_return;
    try {
      co_await connect(s);
      backoff = min_backoff;
      log::info("connected to Redis again");
    } catch (const std::exception& e) {
      backoff = std::min<asio::steady_timer::duration>(backoff * 2, s->options.max_backoff);
      log::debug("cannot reconnect to Redis yet", {log::kv("reason", e.what())});
    }
  }
}

}  // namespace

Client::Client(asio::io_context& io, ClientOptions options)
    : s_(std::make_shared<State>(io, std::move(options))) {}

Client::~Client() { stop(); }

awaitable<void> Client::start() {
  try {
    co_await connect(s_);
  } catch (const AuthFailed&) {
    throw;  // a configuration error: no retries
  } catch (const Unavailable&) {
    asio::co_spawn(s_->ex, run(s_), asio::detached);  // keeps trying in the background
    throw;
  }
  asio::co_spawn(s_->ex, run(s_), asio::detached);
}

void Client::stop() {
  if (s_->stopped) return;
  s_->stopped = true;
  s_->backoff.cancel();
  lose(*s_, "stopped");
}

bool Client::connected() const { return s_->connected; }
bool Client::stopped() const { return s_->stopped; }

awaitable<Reply> Client::call(std::vector<std::string> args) {
  auto s = s_;
  if (!s->connected) throw Unavailable("not connected to Redis");
  if (s->pending.size() >= s->options.max_in_flight)
    throw Unavailable("too many Redis calls in flight (" + std::to_string(s->pending.size()) + ")");
  auto p = std::make_shared<Pending>(s->ex);
  p->generation = s->generation;
  append_command(s->out, args);
  s->pending.push_back(p);
  s->wake.cancel();
  p->timer.expires_after(s->options.timeout);
  auto [ec] = co_await p->timer.async_wait(use_tuple);
  if (p->reply) co_return std::move(*p->reply);
  if (!p->failure.empty()) throw Unavailable(p->failure);
  p->abandoned = true;
  if (ec) throw asio::system_error(asio::error::operation_aborted);  // our caller was cancelled
  // Redis is stuck (or the network is): this connection is not trusted any more; the run loop
  // connects again, and every call queued behind this one fails now rather than at its deadline.
  if (s->generation == p->generation && s->connected) lose(*s, "a call timed out");
  throw Unavailable("Redis did not answer within " + std::to_string(to_seconds(s->options.timeout)) + " s");
}

awaitable<Reply> Client::eval(Script& script, std::vector<std::string> keys, std::vector<std::string> args) {
  auto load = [&]() -> awaitable<void> {
    std::vector<std::string> command{"SCRIPT", "LOAD", script.source};
    Reply r = co_await call(std::move(command));
    if (r.type != Reply::Type::string) throw Unavailable("Redis refused a script: " + r.text);
    script.sha = std::move(r.text);
  };
  if (script.sha.empty()) co_await load();
  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  auto build = [&] {
    command = {"EVALSHA", script.sha, std::to_string(keys.size())};
    for (const auto& k : keys) command.push_back(k);
    for (const auto& a : args) command.push_back(a);
  };
  build();
  Reply r = co_await call(std::move(command));
  if (r.is_error() && r.text.starts_with("NOSCRIPT")) {  // Redis restarted: its script cache is empty
    co_await load();
    build();
    r = co_await call(std::move(command));
  }
  co_return r;
}

}  // namespace chatrelay::redis
