// Tests for ui/serve: which form of a file a request gets, and when it is a 304.
#include "chatrelay/ui/serve.hpp"

#include <catch2/catch.hpp>

#include "chatrelay/ui/routes.hpp"

using namespace chatrelay;
using namespace chatrelay::ui;

namespace {

const EmbeddedFile file{"f", "hello hello hello", "GZ", "\"t1\"", "\"t1-gzip\""};
const Page page{"/", "f", "text/html; charset=utf-8", "default-src 'none'"};

http1::Message get(std::vector<http1::Header> headers = {}) {
  http1::Message m;
  m.method = "GET";
  m.headers = std::move(headers);
  return m;
}

std::string_view header(const http1::Response& r, std::string_view name) {
  for (const auto& h : r.headers)
    if (h.name == name) return h.value;
  return {};
}

}  // namespace

TEST_CASE("accepts_gzip: named codings, q=0 refusals, and the wildcard") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("gzip, deflate, br, zstd"));  // what Chromium sends
  CHECK(accepts_gzip("GZIP;q=0.5"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("br;q=1.0, *;q=0.1"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("br, deflate"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip; q=0.000, br"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0, *"));  // named outright: the refusal stands
  CHECK(accepts_gzip("gzip;q=0.001"));
  CHECK(accepts_gzip("gzipx, gzip"));
  CHECK_FALSE(accepts_gzip("gzipx"));
}

TEST_CASE("none_match: lists, weak tags, the wildcard") {
  CHECK(none_match("\"t1\"", "\"t1\""));
  CHECK(none_match("\"a\", \"t1\"", "\"t1\""));
  CHECK(none_match("W/\"t1\"", "\"t1\""));
  CHECK(none_match(" * ", "\"t1\""));
  CHECK_FALSE(none_match("", "\"t1\""));
  CHECK_FALSE(none_match("\"t1-gzip\"", "\"t1\""));
  CHECK_FALSE(none_match("t1", "\"t1\""));
}

TEST_CASE("serve: identity without Accept-Encoding, gzip with it, each with its own tag") {
  auto plain = serve(page, file, get());
  CHECK(plain.status == 200);
  CHECK(plain.body == "hello hello hello");
  CHECK(plain.content_type == "text/html; charset=utf-8");
  CHECK(header(plain, "ETag") == "\"t1\"");
  CHECK(header(plain, "Content-Encoding").empty());
  CHECK(header(plain, "Vary") == "Accept-Encoding");
  CHECK(header(plain, "Cache-Control") == "no-cache");
  CHECK(header(plain, "Content-Security-Policy") == "default-src 'none'");

  auto packed = serve(page, file, get({{"accept-encoding", "gzip, br"}}));
  CHECK(packed.body == "GZ");
  CHECK(header(packed, "Content-Encoding") == "gzip");
  CHECK(header(packed, "ETag") == "\"t1-gzip\"");
  CHECK(header(packed, "Vary") == "Accept-Encoding");
}

TEST_CASE("serve: a file gzip does not shrink is always sent as it is") {
  const EmbeddedFile small{"s", "x", "", "\"s\"", "\"s-gzip\""};
  auto r = serve(page, small, get({{"accept-encoding", "gzip"}}));
  CHECK(r.body == "x");
  CHECK(header(r, "Content-Encoding").empty());
  CHECK(header(r, "ETag") == "\"s\"");
}

TEST_CASE("serve: 304 with no body when If-None-Match names this form's tag") {
  auto r = serve(page, file, get({{"if-none-match", "\"t1\""}}));
  CHECK(r.status == 304);
  CHECK(r.body.empty());
  CHECK(r.content_type.empty());
  CHECK(header(r, "ETag") == "\"t1\"");
  CHECK(header(r, "Cache-Control") == "no-cache");
  CHECK(header(r, "Vary") == "Accept-Encoding");
  // The identity tag does not validate the gzipped form, nor the other way round.
  CHECK(serve(page, file, get({{"if-none-match", "\"t1\""}, {"accept-encoding", "gzip"}})).status == 200);
  CHECK(serve(page, file, get({{"if-none-match", "\"t1-gzip\""}, {"accept-encoding", "gzip"}})).status == 304);
  CHECK(serve(page, file, get({{"if-none-match", "\"other\""}})).status == 200);
}

TEST_CASE("the page's routes: every file embedded, the page's policy strict") {
  const auto files = embedded_files();
  for (const Page& p : pages()) {
    INFO(p.path);
    bool found = false;
    for (const auto& f : files) found = found || f.name == p.file;
    CHECK(found);
  }
  const Page& root = pages().front();
  REQUIRE(root.path == "/");
  const std::string_view policy = root.policy;
  CHECK(policy.find("script-src 'self';") != std::string_view::npos);
  CHECK(policy.find("unsafe-inline") == std::string_view::npos);
  CHECK(policy.find("unsafe-eval") == std::string_view::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string_view::npos);
  for (const Page& p : pages()) {
    if (p.path != "/ui/preview") continue;
    CHECK(std::string_view(p.policy).starts_with("sandbox allow-scripts"));
    CHECK(std::string_view(p.policy).find("allow-same-origin") == std::string_view::npos);
    CHECK(std::string_view(p.policy).find("connect-src") == std::string_view::npos);  // default-src 'none'
  }
}
