// A blocking HTTP/1.1 GET /health on the service's own address: the process exits right after.
#include "chatrelay/app/healthcheck.hpp"

#include <cstdio>
#include <string>

#include "chatrelay/core/asio.hpp"

namespace chatrelay::app {

int healthcheck(const config::ServerSettings& server) {
  try {
    asio::io_context io;
    tcp::socket sock(io);
    // A wildcard address listens on loopback too.
    const std::string host = server.host == "0.0.0.0" ? "127.0.0.1" : server.host == "::" ? "::1" : server.host;
    asio::connect(sock, tcp::resolver(io).resolve(host, std::to_string(server.port)));
    const std::string request = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    asio::write(sock, asio::buffer(request));
    std::string response;
    asio::error_code ec;
    asio::read(sock, asio::dynamic_buffer(response), ec);
    return response.rfind("HTTP/1.1 200", 0) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: healthcheck failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace chatrelay::app
