// Tests for http/router: exact paths, a "{name}" last segment, HEAD via GET, 404 vs 405.
#include "chatrelay/http/router.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::http;
namespace http1 = chatrelay::http1;

namespace {
http1::Response ok(const http1::Message&) { return http1::Response{}; }
}  // namespace

TEST_CASE("exact routes match their method, and GET answers HEAD") {
  Router router;
  router.add("GET", "/health", ok);
  auto m = router.match("GET", "/health");
  REQUIRE(m.route != nullptr);
  CHECK(m.route->pattern == "/health");
  CHECK(m.param.empty());
  CHECK(router.match("HEAD", "/health").route == m.route);
  CHECK(router.match("GET", "/health/").route == nullptr);
  auto wrong = router.match("POST", "/health");
  CHECK(wrong.route == nullptr);
  CHECK(wrong.allow == "GET, HEAD");
  auto missing = router.match("GET", "/nope");
  CHECK(missing.route == nullptr);
  CHECK(missing.allow.empty());
}

TEST_CASE("a {name} segment matches one non-empty segment and hands it over") {
  Router router;
  router.add("GET", "/api/sessions/{id}", ok);
  router.add_async("DELETE", "/api/sessions/{id}", [](Exchange&) -> chatrelay::awaitable<void> { co_return; });
  auto m = router.match("GET", "/api/sessions/abc-1");
  REQUIRE(m.route != nullptr);
  CHECK(m.param == "abc-1");
  CHECK(m.route->pattern == "/api/sessions/{id}");
  CHECK_FALSE(m.route->stream_slot);
  auto del = router.match("DELETE", "/api/sessions/abc-1");
  REQUIRE(del.route != nullptr);
  CHECK(static_cast<bool>(del.route->async));
  CHECK(router.match("GET", "/api/sessions/").route == nullptr);
  CHECK(router.match("GET", "/api/sessions/a/b").route == nullptr);
  CHECK(router.match("GET", "/api/sessions").route == nullptr);
  CHECK(router.match("PUT", "/api/sessions/x").allow == "GET, HEAD, DELETE");
}

TEST_CASE("a path with a trailing slash that only matches without it is marked for a redirect") {
  Router router;
  router.add("GET", "/health", ok);
  router.add("POST", "/api/chat/stream", ok);
  router.add("GET", "/api/sessions/{id}", ok);
  CHECK(router.match("POST", "/api/chat/stream/").slash_redirect);
  CHECK(router.match("GET", "/api/chat/stream/").slash_redirect);  // then a 405 at the target
  CHECK(router.match("GET", "/api/sessions/abc/").slash_redirect);
  CHECK_FALSE(router.match("GET", "/api/sessions/").slash_redirect);
  CHECK_FALSE(router.match("GET", "/nope/").slash_redirect);
  CHECK_FALSE(router.match("GET", "/").slash_redirect);
  CHECK_FALSE(router.match("GET", "/health").slash_redirect);
  CHECK_FALSE(router.match("GET", "/health//").slash_redirect);
}

TEST_CASE("methods() lists each route method once, in declaration order") {
  Router router;
  CHECK(router.methods().empty());
  router.add("GET", "/health", ok);
  router.add("POST", "/api/chat/stream", ok);
  router.add("GET", "/docs", ok);
  router.add("DELETE", "/api/sessions/{id}", ok);
  CHECK(router.methods() == "GET, POST, DELETE");
}

TEST_CASE("routes need a token unless added open") {
  Router router;
  router.add("GET", "/api/thing", ok);
  router.add_open("GET", "/", ok);
  REQUIRE(router.match("GET", "/").route != nullptr);
  CHECK(router.match("GET", "/").route->open);
  CHECK(router.match("HEAD", "/").route->open);
  CHECK_FALSE(router.match("GET", "/api/thing").route->open);
  CHECK(router.methods() == "GET");
}

TEST_CASE("refusals under a declared prefix are written by its writer, elsewhere FastAPI's") {
  Router r;
  r.refusals_under("/v1/", [](int status, std::string_view message) {
    http1::Response out;
    out.status = status;
    out.body = "custom:" + std::string(message);
    return out;
  });
  const auto v1 = r.refusal("/v1/anything/at/all", 429, "slow down");
  CHECK(v1.status == 429);
  CHECK(v1.body == "custom:slow down");
  const auto other = r.refusal("/api/chat/stream", 401, "Not authenticated");
  CHECK(other.status == 401);
  CHECK(other.body == R"({"detail":"Not authenticated"})");
  CHECK(r.refusal("/v1", 404, "Not Found").body == R"({"detail":"Not Found"})");  // not under "/v1/"
  CHECK(r.refusal("", 400, "Bad Request").body == R"({"detail":"Bad Request"})");
}
