// Tests for http1/response: what the head says about a body that is not there (204, 304).
#include "chatrelay/http1/response.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::http1;

TEST_CASE("a 200 says its length; 204 and 304 say none") {
  Response r;
  r.body = "hello";
  std::string out;
  serialize(r, true, false, out);
  CHECK(out.find("\r\nContent-Length: 5\r\n") != std::string::npos);
  CHECK(out.ends_with("\r\n\r\nhello"));
  for (int status : {204, 304}) {
    Response empty;
    empty.status = status;
    empty.content_type = {};
    empty.header("ETag", "\"abc\"");
    std::string head;
    serialize(empty, true, false, head);
    CHECK(head.find("Content-Length") == std::string::npos);
    CHECK(head.find("\r\nETag: \"abc\"\r\n") != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
  }
  std::string not_modified;
  Response nm;
  nm.status = 304;
  serialize(nm, true, false, not_modified);
  CHECK(not_modified.starts_with("HTTP/1.1 304 Not Modified\r\n"));
}
