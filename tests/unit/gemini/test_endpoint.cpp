// Tests for gemini/endpoint: base_url parsing and the stream target.
#include "chatrelay/gemini/endpoint.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>

using chatrelay::gemini::parse_endpoint;

TEST_CASE("Google's base URL") {
  auto e = parse_endpoint("https://generativelanguage.googleapis.com");
  CHECK(e.host == "generativelanguage.googleapis.com");
  CHECK(e.port == "443");
  CHECK(e.base_path.empty());
  CHECK(e.host_header == "generativelanguage.googleapis.com");
  CHECK(e.stream_target("gemini-2.5-flash") == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
}

TEST_CASE("port, path prefix and IPv6 literals") {
  auto e = parse_endpoint("https://127.0.0.1:8443/proxy/");
  CHECK(e.host == "127.0.0.1");
  CHECK(e.port == "8443");
  CHECK(e.base_path == "/proxy");
  CHECK(e.host_header == "127.0.0.1:8443");
  CHECK(e.stream_target("m") == "/proxy/v1beta/models/m:streamGenerateContent?alt=sse");
  auto v6 = parse_endpoint("https://[::1]:9000");
  CHECK(v6.host == "::1");
  CHECK(v6.port == "9000");
  CHECK(v6.host_header == "[::1]:9000");
}

TEST_CASE("refused base URLs") {
  for (const char* bad : {"http://example.com", "example.com", "https://", "https://:443", "https://h:x",
                          "https://[::1", "https://h:"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_endpoint(bad), std::invalid_argument);
  }
}
