// Tests for ALPN: the client's offer against the server's preference, both sides reading what was
// agreed over a real TLS handshake on 127.0.0.1.
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "chatrelay/tls/client.hpp"
#include "chatrelay/tls/server.hpp"
#include "chatrelay/tls/test_pki.hpp"

using namespace chatrelay;

namespace {

struct Agreed {
  std::string client;
  std::string server;
  bool handshake_ok = false;
};

// One handshake: the client offering `offer`, the server accepting `accepts`.
Agreed handshake(const std::vector<std::string>& offer, const std::vector<std::string>& accepts) {
  const auto dir = std::filesystem::temp_directory_path() / ("chatrelay-unit-alpn-" + std::to_string(::getpid()));
  const tls::TestPki pki = tls::ensure_test_pki(dir, {"127.0.0.1"});
  asio::io_context io;
  tls::ServerContext server_ctx(pki.server_cert, pki.server_key);
  server_ctx.set_alpn(accepts);
  tls::ClientContext client_ctx(pki.ca_cert.string(), offer);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Agreed agreed;
  asio::co_spawn(io, [&]() -> awaitable<void> {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) co_return;
      tls::ServerStream s(std::move(socket), server_ctx);
      if (co_await s.handshake()) co_return;
      agreed.server = s.alpn_protocol();
      std::array<char, 16> buf;
      co_await s.read_some(buf);  // until the client goes
    }, asio::detached);
  asio::co_spawn(io, [&]() -> awaitable<void> {
      tls::ClientStream c(io, client_ctx);
      auto [ec] = co_await c.socket().async_connect(acceptor.local_endpoint(), use_tuple);
      if (ec) co_return;
      std::string why;
      if (co_await c.handshake("127.0.0.1", why)) co_return;
      agreed.handshake_ok = true;
      agreed.client = c.alpn_protocol();
    }, asio::detached);
  io.run_for(std::chrono::seconds(20));
  std::filesystem::remove_all(dir);
  return agreed;
}

}  // namespace

TEST_CASE("ALPN: a server that speaks h2 gets it from a client that offers it first") {
  const auto a = handshake({"h2", "http/1.1"}, {"h2", "http/1.1"});
  REQUIRE(a.handshake_ok);
  CHECK(a.client == "h2");
  CHECK(a.server == "h2");
}

TEST_CASE("ALPN: a server that refuses h2 settles on http/1.1") {
  const auto a = handshake({"h2", "http/1.1"}, {"http/1.1"});
  REQUIRE(a.handshake_ok);
  CHECK(a.client == "http/1.1");
}

TEST_CASE("ALPN: a client that offers only http/1.1 never gets h2") {
  const auto a = handshake({"http/1.1"}, {"h2", "http/1.1"});
  REQUIRE(a.handshake_ok);
  CHECK(a.client == "http/1.1");
}

TEST_CASE("ALPN: no offer, no protocol; a server without ALPN chooses none") {
  CHECK(handshake({}, {"h2", "http/1.1"}).client.empty());
  const auto a = handshake({"h2", "http/1.1"}, {});
  REQUIRE(a.handshake_ok);
  CHECK(a.client.empty());
}
