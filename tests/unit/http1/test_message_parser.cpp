// Tests for http/message_parser: requests and responses, limits, smuggling shapes, and the grind
// test (every fixture split at every byte gives the same messages).
#include "chatrelay/http1/message_parser.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace chatrelay::http1;
using Event = MessageParser::Event;

namespace {

struct Parsed {
  std::string method, target, body;
  int status = 0;
  std::vector<Header> headers;
  bool keep_alive = false;
  bool operator==(const Parsed& o) const {
    if (headers.size() != o.headers.size()) return false;
    for (std::size_t i = 0; i < headers.size(); ++i)
      if (headers[i].name != o.headers[i].name || headers[i].value != o.headers[i].value) return false;
    return method == o.method && target == o.target && body == o.body && status == o.status &&
           keep_alive == o.keep_alive;
  }
};

struct Outcome {
  std::vector<Parsed> messages;
  int error_status = 0;
};

// Feeds `pieces` in order, collecting every complete message (and the first error). With
// `stop_after_head`, each head is accepted with the limit's body size, as http::Connection does.
Outcome run(MessageParser::Mode mode, const std::vector<std::string>& pieces,
            MessageParser::Limits limits = {16 * 1024, 1024 * 1024}, bool stop_after_head = false) {
  MessageParser p(mode, limits, stop_after_head);
  Outcome out;
  for (const auto& piece : pieces) {
    std::string_view data = piece;
    while (true) {
      auto r = p.feed(data);
      data.remove_prefix(r.consumed);
      if (r.event == Event::head_complete) {
        REQUIRE(stop_after_head);
        r = p.accept_body(limits.max_body_bytes);
        REQUIRE(r.consumed == 0);
        if (r.event == Event::need_more) continue;  // the rest of `data` is the body
      }
      if (r.event == Event::error) {
        out.error_status = p.error_status();
        return out;
      }
      if (r.event == Event::message_complete) {
        auto& m = p.message();
        out.messages.push_back({m.method, m.target, m.body, m.status, m.headers, m.keep_alive});
        p.next();
        continue;
      }
      break;
    }
  }
  return out;
}

Outcome run_request(const std::string& s, MessageParser::Limits limits = {16 * 1024, 1024 * 1024}) {
  return run(MessageParser::Mode::request, {s}, limits);
}

// The same request given whole, split at every byte, and byte by byte, with and without the stop
// after the head: every way must give `whole`'s result.
void check_every_split(const std::string& s, const Outcome& whole, MessageParser::Limits limits = {16 * 1024, 1024 * 1024}) {
  for (bool stop : {false, true}) {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      INFO(s << " split at " << i << (stop ? " stopping after the head" : ""));
      const auto out = run(MessageParser::Mode::request, {s.substr(0, i), s.substr(i)}, limits, stop);
      CHECK(out.messages == whole.messages);
      CHECK(out.error_status == whole.error_status);
    }
    std::vector<std::string> bytes;
    for (char c : s) bytes.emplace_back(1, c);
    const auto out = run(MessageParser::Mode::request, bytes, limits, stop);
    CHECK(out.messages == whole.messages);
    CHECK(out.error_status == whole.error_status);
  }
}

const std::vector<std::string> request_fixtures = {
    "GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
    "POST /api/chat/stream?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    "{\"a\":\"bc\"}\n",
    "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
    "Trailer: x\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "GET /old HTTP/1.0\r\n\r\n",
};

}  // namespace

TEST_CASE("a simple request is parsed") {
  auto out = run_request("GET /health?q=1 HTTP/1.1\r\nHost: example\r\nX-Mixed-Case: Value  \r\n\r\n");
  REQUIRE(out.messages.size() == 1);
  const auto& m = out.messages[0];
  CHECK(m.method == "GET");
  CHECK(m.target == "/health?q=1");
  CHECK(m.keep_alive);
  REQUIRE(m.headers.size() == 2);
  CHECK(m.headers[1].name == "x-mixed-case");
  CHECK(m.headers[1].value == "Value");
}

TEST_CASE("bodies by Content-Length and chunked") {
  auto out = run_request(request_fixtures[1]);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].body == "{\"a\":\"bc\"}\n");
  out = run_request(request_fixtures[2]);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].body == "hello world");
  // The trailer is read past, not added to the head's fields.
  CHECK(out.messages[0].headers.size() == 2);
}

TEST_CASE("pipelined requests come out one at a time, in order") {
  auto out = run_request(request_fixtures[3]);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].target == "/a");
  CHECK(out.messages[0].keep_alive);
  CHECK(out.messages[1].target == "/b");
  CHECK_FALSE(out.messages[1].keep_alive);
}

TEST_CASE("HTTP/1.0 without keep-alive closes") {
  auto out = run_request(request_fixtures[4]);
  REQUIRE(out.messages.size() == 1);
  CHECK_FALSE(out.messages[0].keep_alive);
}

TEST_CASE("limits: header bytes → 431, body bytes → 413") {
  MessageParser::Limits small{256, 16};
  CHECK(run_request("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(300, 'a') + "\r\n\r\n", small).error_status == 431);
  CHECK(run_request("GET /" + std::string(300, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", small).error_status == 431);
  CHECK(run_request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n", small).error_status == 413);
  CHECK(run_request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n" + std::string(17, 'b') +
                        "\r\n0\r\n\r\n",
                    small)
            .error_status == 413);
  CHECK(run_request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n" + std::string(16, 'c'), small)
            .messages.size() == 1);
}

TEST_CASE("smuggling and malformed shapes are refused with 400") {
  const std::vector<std::string> bad = {
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nX:\x01\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",
      "GET nopath HTTP/1.1\r\nHost: a\r\n\r\n",
      "G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
      "GET / HTTP/1.1\rHost: a\r\n\r\n",
      "CONNECT /! HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",  // found by the fuzzer
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n: x\r\n\r\n",  // fuzzer too
      // Strict where it costs nothing: one Host, and chunked alone as the only coding.
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n",  // empty: found by the fuzzer
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(257, 'e') + "\r\na\r\n0\r\n\r\n",
  };
  for (const auto& s : bad) {
    INFO(s);
    auto out = run_request(s);
    CHECK(out.messages.empty());
    CHECK(out.error_status == 400);
  }
  CHECK(run_request("GET / HTTP/2.0\r\nHost: a\r\n\r\n").error_status == 505);
}

// Each of these once came out of the fuzzer (fuzz/regressions/fuzz_request_parser/): llhttp
// accepted them, or accepted them only when the read split them at one place.
TEST_CASE("the head's line structure is strict whatever the split") {
  const std::vector<std::string> bad = {
      "GET /old HTTP/1.0\n\r\n",                                  // bare LF after the start line
      "GET / HTTP/1.1\r\nHost: a\r\n\n",                         // bare LF ending the head
      "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",                  // bare LF between headers
      "GET / HTTP/1.1\r\n: x\r\nHost: a\r\n\r\n",                // empty header name
      "POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding:\r\n \r\n\r\n",  // fold of blanks only
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "GET / HTTP/1.1\r\n\tHost: a\r\n\r\n",                     // blank before the first header
  };
  for (const auto& s : bad) {
    for (std::size_t i = 0; i <= s.size(); ++i) {
      INFO(s << " split at " << i);
      const auto out = run(MessageParser::Mode::request, {s.substr(0, i), s.substr(i)});
      CHECK(out.messages.empty());
      CHECK(out.error_status == 400);
    }
  }
  // Only the head: a body may hold any bytes, and empty lines before a request are skipped.
  auto out = run_request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\n\r:\n"
                         "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].body == "\n\r:\n");
  CHECK(out.error_status == 0);
  // The scan starts over for each pipelined message.
  out = run_request("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\n\r\n");
  CHECK(out.messages.size() == 1);
  CHECK(out.error_status == 400);
  // Responses are held to the same rules.
  CHECK(run(MessageParser::Mode::response, {"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n", " chunked\r\n\r\n"})
            .error_status == 400);
}

TEST_CASE("HeadScanner names the offending byte, and stops at the head's end, whatever the split") {
  struct Case {
    std::string bytes;
    std::size_t offset;  // of the offending byte in `bytes`; npos: nothing wrong
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 23, "Bare LF in message head"},
      {"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 24, "Bare CR in message head"},
      {"GET / HTTP/1.1\r\nHost: a\r\n x\r\n\r\n", 25, "Obsolete line folding in header"},
      {"GET / HTTP/1.1\r\n:x\r\n\r\n", 16, "Empty header name"},
      {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nbody \n\r: after the head", std::string::npos, nullptr},
  };
  for (const auto& c : cases) {
    for (std::size_t i = 0; i <= c.bytes.size(); ++i) {
      INFO(c.bytes << " split at " << i);
      HeadScanner scan;
      auto first = scan.scan(std::string_view(c.bytes).substr(0, i));
      if (first.reason != nullptr) {
        CHECK(first.offset == c.offset);
        CHECK(std::string(first.reason) == c.reason);
        continue;
      }
      CHECK(first.offset == i);
      auto second = scan.scan(std::string_view(c.bytes).substr(i));
      if (c.reason == nullptr) {
        CHECK(second.reason == nullptr);
        CHECK(scan.done());
      } else {
        REQUIRE(second.reason != nullptr);
        CHECK(i + second.offset == c.offset);
        CHECK(std::string(second.reason) == c.reason);
      }
    }
  }
}

TEST_CASE("a header name that arrives in pieces counts toward the limit once") {
  const MessageParser::Limits small{64, 16};
  // 20 + 7 + 4 + 28 = 59 bytes of head as counted: within 64 however it is read.
  const std::string s = "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(28, 'X') + ": \r\n\r\n";
  REQUIRE(run_request(s, small).messages.size() == 1);
  std::vector<std::string> bytes;
  for (char c : s) bytes.emplace_back(1, c);
  const auto out = run(MessageParser::Mode::request, bytes, small);
  CHECK(out.error_status == 0);
  CHECK(out.messages.size() == 1);
}

TEST_CASE("grind: every request fixture split at every byte gives the same messages") {
  for (const auto& fixture : request_fixtures) {
    auto whole = run_request(fixture);
    REQUIRE(whole.error_status == 0);
    for (std::size_t i = 0; i <= fixture.size(); ++i) {
      auto split = run(MessageParser::Mode::request, {fixture.substr(0, i), fixture.substr(i)});
      INFO("split at " << i << " of " << fixture);
      CHECK(split.messages == whole.messages);
    }
    std::vector<std::string> bytes;
    for (char c : fixture) bytes.emplace_back(1, c);
    CHECK(run(MessageParser::Mode::request, bytes).messages == whole.messages);
  }
}

TEST_CASE("responses: chunked, Content-Length and read-until-close") {
  std::string chunked =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "11\r\ndata: {\"a\":1}\r\n\r\n\r\n0\r\n\r\n";
  auto out = run(MessageParser::Mode::response, {chunked});
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].status == 200);
  CHECK(out.messages[0].body == "data: {\"a\":1}\r\n\r\n");
  for (std::size_t i = 0; i <= chunked.size(); ++i) {
    auto split = run(MessageParser::Mode::response, {chunked.substr(0, i), chunked.substr(i)});
    CHECK(split.messages == out.messages);
  }
  auto err = run(MessageParser::Mode::response,
                 {"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 2\r\n\r\n{}"});
  REQUIRE(err.messages.size() == 1);
  CHECK(err.messages[0].status == 429);
  CHECK(err.messages[0].body == "{}");

  MessageParser p(MessageParser::Mode::response, {16 * 1024, SIZE_MAX});
  std::string eof_delimited = "HTTP/1.1 200 OK\r\n\r\nabc";
  auto r = p.feed(eof_delimited);
  CHECK(r.event == Event::need_more);
  CHECK(p.finish());
  CHECK(p.message().body == "abc");

  CHECK(run(MessageParser::Mode::response, {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n"})
            .error_status == 400);

  // The peer may close right after a complete message (found by the fuzzer).
  MessageParser q(MessageParser::Mode::response, {16 * 1024, SIZE_MAX});
  CHECK(q.feed("HTTP/1.1 204 No Content\r\n\r\n").event == Event::message_complete);
  q.next();
  CHECK(q.finish());
}

TEST_CASE("stopping after the head: the body waits for accept_body, with the caller's limit") {
  const std::string head = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
  MessageParser p(MessageParser::Mode::request, {16 * 1024, 1024}, true);
  auto r = p.feed(head + "hel");
  CHECK(r.event == Event::head_complete);
  CHECK(r.consumed == head.size());
  CHECK(p.headers_complete());
  CHECK(p.feed("lo").event == Event::head_complete);  // nothing is read before accept_body
  CHECK(p.accept_body(5).event == Event::need_more);
  CHECK(p.feed("hel").event == Event::need_more);
  r = p.feed("loGET");
  CHECK(r.event == Event::message_complete);
  CHECK(r.consumed == 2);
  CHECK(p.message().body == "hello");

  // No body: nothing to decide, the message ends with its head; a Content-Length over
  // accept_body's limit is 413.
  p.next();
  const std::string no_body = "GET /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
  r = p.feed(no_body + "GET /b");
  CHECK(r.event == Event::message_complete);
  CHECK(r.consumed == no_body.size());
  p.next();
  CHECK(p.feed("POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n").event == Event::head_complete);
  CHECK(p.accept_body(10).event == Event::error);
  CHECK(p.error_status() == 413);

  // A chunked body past accept_body's limit (not the parser's) is 413 too.
  MessageParser c(MessageParser::Mode::request, {16 * 1024, 1024}, true);
  CHECK(c.feed("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").event == Event::head_complete);
  CHECK(c.accept_body(4).event == Event::need_more);
  CHECK(c.feed("5\r\nhello\r\n0\r\n\r\n").event == Event::error);
  CHECK(c.error_status() == 413);
}

TEST_CASE("grind: stopping after the head changes nothing, whatever the split") {
  for (const auto& fixture : request_fixtures) check_every_split(fixture, run_request(fixture));
}

TEST_CASE("an Upgrade is not taken: the request and the next one are read as HTTP/1.1") {
  // curl --http2 on an http:// URL.
  const std::string h2c =
      "GET /health HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n";
  auto out = run_request(h2c);
  CHECK(out.error_status == 0);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].target == "/health");
  CHECK(out.messages[0].keep_alive);
  CHECK(out.messages[1].target == "/next");
  check_every_split(h2c, out);
  // With a body (a WebSocket-looking POST): the body is read as a body.
  const std::string with_body =
      "POST /p HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\nabc"
      "GET /q HTTP/1.1\r\nHost: a\r\n\r\n";
  out = run_request(with_body);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].body == "abc");
  check_every_split(with_body, out);
}

TEST_CASE("trailers are held to the head's line rules, whatever the split") {
  const std::vector<std::string> bad = {
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: a\r\n b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n\tb\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n X: a\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\nY: b\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0;e=1\r\nX-T: a\r\n\n",
  };
  for (const auto& s : bad) {
    const auto whole = run_request(s);
    INFO(s);
    CHECK(whole.messages.empty());
    CHECK(whole.error_status == 400);
    check_every_split(s, whole);
  }
  // Good trailers, and a request right after them.
  const std::string good = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;x=\"a b\"\r\nhi\r\n"
                           "0\r\nX-T: a\r\nY:\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n";
  const auto out = run_request(good);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].body == "hi");
  check_every_split(good, out);
}

TEST_CASE("chunk extensions are bounded per chunk line") {
  auto with_ext = [](std::size_t n) {
    return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(n, 'e') + "\r\na\r\n1;" +
           std::string(n, 'f') + "\r\nb\r\n0\r\n\r\n";
  };
  const auto ok = run_request(with_ext(256));
  REQUIRE(ok.messages.size() == 1);
  CHECK(ok.messages[0].body == "ab");  // each line has its own allowance
  CHECK(run_request(with_ext(257)).error_status == 400);
  check_every_split(with_ext(257), run_request(with_ext(257)));
}

TEST_CASE("a head too large is read on for Origin and X-Request-Id, keeping nothing else") {
  const MessageParser::Limits small{256, 16};
  auto failed_head = [&](const std::vector<std::string>& pieces) {
    MessageParser p(MessageParser::Mode::request, small, true);
    for (const auto& piece : pieces) {
      if (p.feed(piece).event == Event::error) break;
    }
    CHECK(p.error_status() == 431);
    return p.message().headers;
  };
  const std::string big(300, 'a');
  const std::vector<std::string> heads = {
      // the field that crosses the limit is before them, in the target, or is one of them
      "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + big + "\r\nOrigin: http://o.example\r\nX-Request-Id: r-1\r\n\r\n",
      "GET /" + big + " HTTP/1.1\r\nHost: a\r\nOrigin: http://o.example\r\nX-Request-Id: r-1\r\n\r\n",
      "GET / HTTP/1.1\r\nOrigin: http://o.example\r\nX-Request-Id: r-1\r\nCookie: " + big + "\r\n\r\n",
      "GET / HTTP/1.1\r\nX-Request-Id: r-1\r\nX-Pad: " + std::string(200, 'p') + "\r\nOrigin: http://o.example" +
          std::string(80, 'x') + "\r\n\r\n",
  };
  for (std::size_t h = 0; h < heads.size(); ++h) {
    const auto& s = heads[h];
    for (std::size_t i = 0; i <= s.size(); ++i) {
      INFO(s << " split at " << i);
      const auto headers = failed_head({s.substr(0, i), s.substr(i)});
      Message m;
      m.headers = headers;
      CHECK(m.header("origin") == (h == 3 ? "http://o.example" + std::string(80, 'x') : "http://o.example"));
      CHECK(m.header("x-request-id") == "r-1");
      CHECK_FALSE(m.has_header("x-big"));
      CHECK_FALSE(m.has_header("cookie"));
    }
  }
  // Past four times the limit it stops at once; a field cut short by the error is left out.
  MessageParser p(MessageParser::Mode::request, small, true);
  auto r = p.feed("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(1100, 'b'));
  CHECK(r.event == Event::error);
  CHECK(p.error_status() == 431);
  MessageParser q(MessageParser::Mode::request, small, true);
  CHECK(q.feed("GET / HTTP/1.1\r\nHost: a\r\nOrigin: http://o.exa").event == Event::need_more);
  CHECK(q.feed("\n").event == Event::error);
  REQUIRE(q.message().headers.size() == 1);
  CHECK(q.message().headers[0].name == "host");
}

TEST_CASE("a message's large buffers are given back when it is cleared") {
  MessageParser p(MessageParser::Mode::request, {16 * 1024, 1024 * 1024}, true);
  std::string big(512 * 1024, 'x');
  REQUIRE(p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n").event ==
          Event::head_complete);
  p.accept_body(big.size());
  REQUIRE(p.feed(big).event == Event::message_complete);
  CHECK(p.message().body.capacity() >= big.size());
  p.next();
  CHECK(p.message().body.capacity() <= 4096);
  CHECK(p.message().headers.capacity() <= 32);
  // Small ones stay, for the next request.
  REQUIRE(p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n").event == Event::head_complete);
  p.accept_body(3);
  REQUIRE(p.feed("abc").event == Event::message_complete);
  const auto* kept = p.message().body.data();
  p.next();
  CHECK(p.message().body.data() == kept);
}
