// Tests for http/cors: origin matching, headers added, preflight answers.
#include "chatrelay/http/cors.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::http;

namespace {
Message request(std::string method, std::vector<Header> headers) {
  Message m;
  m.method = std::move(method);
  m.target = "/api/chat/stream";
  m.headers = std::move(headers);
  return m;
}
}  // namespace

TEST_CASE("allowed origins are echoed with Vary") {
  CorsPolicy cors({"http://localhost:5173", "https://app.example"});
  std::vector<Header> out;
  cors.add_headers(request("GET", {{"origin", "https://app.example"}}), out);
  REQUIRE(out.size() == 4);
  CHECK(out[0].value == "https://app.example");
  CHECK(out[3].name == "Vary");
  out.clear();
  cors.add_headers(request("GET", {{"origin", "https://app.example.evil"}}), out);
  CHECK(out.empty());
  cors.add_headers(request("GET", {}), out);
  CHECK(out.empty());
}

TEST_CASE("a wildcard allows any origin, still echoing it") {
  CorsPolicy cors({"*"});
  CHECK(cors.allowed("https://anything.example"));
  CHECK_FALSE(cors.allowed(""));
}

TEST_CASE("preflight: allowed 200, refused 403, not a preflight nullopt") {
  CorsPolicy cors({"http://localhost:5173"});
  auto ok = cors.preflight(request("OPTIONS", {{"origin", "http://localhost:5173"},
                                               {"access-control-request-method", "POST"},
                                               {"access-control-request-headers", "content-type, x-session-id"}}));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  bool echoed = false;
  for (const auto& h : ok->headers)
    if (h.name == "Access-Control-Allow-Headers") echoed = h.value == "content-type, x-session-id";
  CHECK(echoed);
  auto refused = cors.preflight(
      request("OPTIONS", {{"origin", "http://evil.example"}, {"access-control-request-method", "POST"}}));
  REQUIRE(refused);
  CHECK(refused->status == 403);
  CHECK_FALSE(cors.preflight(request("OPTIONS", {{"origin", "http://localhost:5173"}})));
  CHECK_FALSE(cors.preflight(request("GET", {{"origin", "http://localhost:5173"}})));
}
