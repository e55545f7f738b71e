// Tests for tls::ClientStream against a real TLS server on 127.0.0.1 (tls::ServerStream), with a
// proxy between them that can hand the server's bytes over one at a time: records split across
// many reads, records bigger than the 1 KiB inbox, a clean close (close_notify) and a truncation
// (TCP close without it).
#include "chatrelay/tls/client.hpp"
#include "chatrelay/tls/server.hpp"
#include "chatrelay/tls/test_pki.hpp"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

using namespace chatrelay;

namespace {

struct TestPki {
  TestPki()
      : dir(std::filesystem::temp_directory_path() / ("chatrelay-unit-tls-" + std::to_string(::getpid()))),
        files(tls::ensure_test_pki(dir, {"127.0.0.1"})) {}
  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::filesystem::path dir;
  tls::TestPki files;
};

enum class Ending { close_notify, tcp_close };

// Bytes whose every position is recognisable: a split, a loss or a repeat changes the string.
std::string payload(std::size_t size) {
  std::string p(size, '\0');
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<char>('a' + (i * 7919 + i / 26) % 26);
  return p;
}

// One TLS connection: the handshake, `data` in `writes` writes (one TLS record or more each),
// then the ending.
awaitable<void> serve(tcp::acceptor& acceptor, tls::ServerContext& ctx, std::string data, std::size_t writes,
                      Ending ending) {
  auto [aec, socket] = co_await acceptor.async_accept(use_tuple);
  if (aec) co_return;
  tls::ServerStream s(std::move(socket), ctx);
  if (co_await s.handshake()) co_return;
  const std::size_t step = (data.size() + writes - 1) / writes;
  for (std::size_t at = 0; at < data.size(); at += step) {
    if (co_await s.write(std::string_view(data).substr(at, std::min(step, data.size() - at)))) co_return;
  }
  if (ending == Ending::close_notify) {
    co_await s.shutdown();  // sends close_notify, then waits for the client to go
  } else {
    asio::error_code ignored;
    s.socket().close(ignored);
  }
}

// Copies what `from` sends to `to` until `from` ends, then ends `to`'s sending side. With
// `dribble`, one byte per write and a pause after each: every byte its own TCP segment, read on
// its own by the other side.
awaitable<void> forward(tcp::socket& from, tcp::socket& to, bool dribble) {
  std::array<char, 16 * 1024> buf;
  asio::steady_timer pause(from.get_executor());
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), use_tuple);
    if (ec) break;
    for (std::size_t at = 0; at < n;) {
      const std::size_t take = dribble ? 1 : n - at;
      auto [wec, written] = co_await asio::async_write(to, asio::buffer(buf.data() + at, take), use_tuple);
      if (wec) co_return;
      at += take;
      if (dribble) {
        pause.expires_after(std::chrono::microseconds(50));
        co_await pause.async_wait(use_tuple);
      }
    }
  }
  asio::error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

// Accepts the client on `front`, connects to the server at `server`, forwards both ways.
awaitable<void> proxy(tcp::acceptor& front, tcp::endpoint server, bool dribble) {
  auto [aec, client] = co_await front.async_accept(use_tuple);
  if (aec) co_return;
  tcp::socket upstream(front.get_executor());
  auto [cec] = co_await upstream.async_connect(server, use_tuple);
  if (cec) co_return;
  upstream.set_option(tcp::no_delay(true));
  client.set_option(tcp::no_delay(true));
  co_await (forward(client, upstream, false) && forward(upstream, client, dribble));
}

struct Received {
  asio::error_code handshake;
  std::string why;
  std::string bytes;
  asio::error_code end;  // what ended the reads
  std::size_t reads = 0;
};

awaitable<void> fetch(tls::ClientContext& ctx, std::uint16_t port, Received& got) {
  auto executor = co_await asio::this_coro::executor;
  auto& io = static_cast<asio::io_context&>(executor.context());
  tls::ClientStream stream(io, ctx);
  auto [cec] = co_await stream.socket().async_connect({asio::ip::make_address("127.0.0.1"), port}, use_tuple);
  if (cec) {
    got.handshake = cec;
    co_return;
  }
  stream.socket().set_option(tcp::no_delay(true));
  got.handshake = co_await stream.handshake("127.0.0.1", got.why);
  if (got.handshake) co_return;
  std::array<char, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await stream.read_some(buf);
    got.bytes.append(buf.data(), n);
    if (ec) {
      got.end = ec;
      break;
    }
    ++got.reads;
  }
}

// Runs server, proxy and client on one loop until all three are done.
Received exchange(const std::string& data, std::size_t writes, Ending ending, bool dribble) {
  static TestPki pki;
  asio::io_context io;
  tls::ServerContext server_ctx(pki.files.server_cert, pki.files.server_key);
  tls::ClientContext client_ctx(pki.files.ca_cert.string());
  const tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 0);
  tcp::acceptor server(io, loopback), front(io, loopback);
  Received got;
  asio::co_spawn(io, serve(server, server_ctx, data, writes, ending), asio::detached);
  asio::co_spawn(io, proxy(front, server.local_endpoint(), dribble), asio::detached);
  asio::co_spawn(io, fetch(client_ctx, front.local_endpoint().port(), got), asio::detached);
  io.run_for(std::chrono::seconds(20));
  return got;
}

// Every byte the server sent, then the ending `end`.
void require_whole(const Received& got, const std::string& data, std::error_code end) {
  INFO(got.why);
  REQUIRE_FALSE(got.handshake);
  CHECK(got.bytes == data);
  CHECK(got.end == end);
}

}  // namespace

TEST_CASE("ClientStream: records that arrive a byte at a time are read whole") {
  const std::string data = payload(3000);  // records of 600 bytes: each fits the inbox
  require_whole(exchange(data, 5, Ending::close_notify, true), data, asio::error::eof);
}

TEST_CASE("ClientStream: records bigger than the inbox, back to back, are read whole") {
  const std::string data = payload(40000);  // one write: three records of up to 16 KiB
  require_whole(exchange(data, 1, Ending::close_notify, false), data, asio::error::eof);
}

TEST_CASE("ClientStream: a TCP close without close_notify is a truncation, after every byte before it") {
  for (bool dribble : {false, true}) {
    INFO("one byte at a time: " << dribble);
    const std::string data = payload(dribble ? 700 : 20000);
    require_whole(exchange(data, 1, Ending::tcp_close, dribble), data, tls::Error::truncated);
  }
}
