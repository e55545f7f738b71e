// Tests for http/cors: origin matching, headers added, preflight answers.
#include "chatrelay/http/cors.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::http;
namespace http1 = chatrelay::http1;

namespace {
http1::Message request(std::string method, std::vector<http1::Header> headers) {
  http1::Message m;
  m.method = std::move(method);
  m.target = "/api/chat/stream";
  m.headers = std::move(headers);
  return m;
}
}  // namespace

// "name: value" lines of `headers`, for exact comparisons.
std::vector<std::string> lines(const std::vector<http1::Header>& headers) {
  std::vector<std::string> out;
  for (const auto& h : headers) out.push_back(h.name + ": " + h.value);
  return out;
}

TEST_CASE("allowed origins are echoed with Vary, each header once") {
  CorsPolicy cors({"http://localhost:5173", "https://app.example"});
  std::vector<http1::Header> out;
  cors.add_headers(request("GET", {{"origin", "https://app.example"}}), out);
  CHECK(lines(out) == std::vector<std::string>{"Access-Control-Allow-Origin: https://app.example",
                                               "Access-Control-Allow-Credentials: true",
                                               "Access-Control-Expose-Headers: X-Session-Id, X-Request-Id, Retry-After",
                                               "Vary: Origin"});
  // A refused origin gets no CORS header; the answer still varies by Origin.
  out.clear();
  cors.add_headers(request("GET", {{"origin", "https://app.example.evil"}}), out);
  CHECK(lines(out) == std::vector<std::string>{"Vary: Origin"});
  out.clear();
  cors.add_headers(request("GET", {}), out);
  CHECK(out.empty());
}

TEST_CASE("a wildcard allows any origin, echoing it, never with credentials") {
  CorsPolicy cors({"*"});
  CHECK(cors.allowed("https://anything.example"));
  CHECK_FALSE(cors.allowed(""));
  std::vector<http1::Header> out;
  cors.add_headers(request("POST", {{"origin", "https://anything.example"}}), out);
  CHECK(lines(out) == std::vector<std::string>{"Access-Control-Allow-Origin: https://anything.example",
                                               "Access-Control-Expose-Headers: X-Session-Id, X-Request-Id, Retry-After",
                                               "Vary: Origin"});
}

TEST_CASE("a preflight adds only its own headers: the common ones come from add_headers") {
  CorsPolicy cors({"http://localhost:5173"});
  const auto req = request("OPTIONS", {{"origin", "http://localhost:5173"}, {"access-control-request-method", "DELETE"}});
  auto ok = cors.preflight(req, "GET, POST, DELETE");
  REQUIRE(ok);
  std::vector<http1::Header> all = ok->headers;
  cors.add_headers(req, all);
  CHECK(lines(all) == std::vector<std::string>{
                          "Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS",
                          "Access-Control-Allow-Headers: Content-Type, Authorization, X-Request-Id",
                          "Access-Control-Max-Age: 600", "Access-Control-Allow-Origin: http://localhost:5173",
                          "Access-Control-Allow-Credentials: true",
                          "Access-Control-Expose-Headers: X-Session-Id, X-Request-Id, Retry-After", "Vary: Origin"});
  // Requested headers are echoed when they are a short list of names, else the default.
  auto allow_headers = [&](std::string requested) {
    auto r = cors.preflight(request("OPTIONS", {{"origin", "http://localhost:5173"},
                                                {"access-control-request-method", "POST"},
                                                {"access-control-request-headers", requested}}),
                            "POST");
    for (const auto& h : r->headers)
      if (h.name == "Access-Control-Allow-Headers") return h.value;
    return std::string("(none)");
  };
  CHECK(allow_headers("content-type,x-session-id") == "content-type,x-session-id");
  CHECK(allow_headers("content-type\r\nx-evil: 1") == "Content-Type, Authorization, X-Request-Id");
  CHECK(allow_headers(std::string(2000, 'a')) == "Content-Type, Authorization, X-Request-Id");
}

TEST_CASE("preflight: allowed 200, refused 403, not a preflight nullopt") {
  CorsPolicy cors({"http://localhost:5173"});
  auto ok = cors.preflight(request("OPTIONS", {{"origin", "http://localhost:5173"},
                                               {"access-control-request-method", "POST"},
                                               {"access-control-request-headers", "content-type, x-session-id"}}),
                         "GET, POST");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  bool echoed = false;
  for (const auto& h : ok->headers)
    if (h.name == "Access-Control-Allow-Headers") echoed = h.value == "content-type, x-session-id";
  CHECK(echoed);
  auto refused = cors.preflight(
      request("OPTIONS", {{"origin", "http://evil.example"}, {"access-control-request-method", "POST"}}), "POST");
  REQUIRE(refused);
  CHECK(refused->status == 403);
  CHECK(refused->headers.empty());
  CHECK_FALSE(cors.preflight(request("OPTIONS", {{"origin", "http://localhost:5173"}}), "POST"));
  CHECK_FALSE(cors.preflight(request("GET", {{"origin", "http://localhost:5173"}}), "POST"));
}
