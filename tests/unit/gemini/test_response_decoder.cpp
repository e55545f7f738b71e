// Tests for gemini/response_decoder: whole recorded answers framed as HTTP/1.1 (chunked, sized,
// close-delimited) decode to the same events however the bytes are split; error answers, error
// objects inside a 200 stream, an answer cut short, and when a connection may be reused.
#include "chatrelay/gemini/response_decoder.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../error_code_text.hpp"
#include "recordings.hpp"

using namespace chatrelay::gemini;

namespace {

std::string chunked(std::string_view body, std::size_t chunk) {
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size[32];
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    const auto piece = body.substr(at, chunk);
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    out.append(size).append(piece).append("\r\n");
  }
  return out + "0\r\n\r\n";
}

std::string answer(int status, std::string_view body, bool keep_alive = true) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + (keep_alive ? "" : "\r\nConnection: close") + "\r\n\r\n" + std::string(body);
}

// What a whole answer decodes to, fed in pieces of `split` bytes (0: at once).
struct Summary {
  std::string text;
  std::string thought;
  std::vector<std::string> finishes;
  std::optional<std::string> block;
  std::optional<std::string> error;
  bool done = false;
  bool reusable = false;
  bool operator==(const Summary&) const = default;
};

Summary decode(std::string_view bytes, std::size_t split, bool eof_at_end = false) {
  EventParser events;
  ResponseDecoder decoder(events);
  Summary s;
  for (std::size_t at = 0; at < bytes.size() || (eof_at_end && at == bytes.size()); at += split ? split : bytes.size()) {
    const auto piece = bytes.substr(at, split ? split : bytes.size());
    const bool last = at + piece.size() >= bytes.size();
    const Decoded d = decoder.feed(piece, eof_at_end && last);
    for (const auto& e : d.events) {
      s.text += e.text;
      s.thought += e.thought;
      if (e.finish_reason) s.finishes.push_back(*e.finish_reason);
      if (e.block_reason) s.block = e.block_reason;
    }
    if (d.error) s.error = std::string(chatrelay::wire_name(d.error->code));
    if (d.done) {
      s.done = true;
      s.reusable = decoder.reusable();
      break;
    }
    if (piece.empty()) break;
  }
  return s;
}

}  // namespace

TEST_CASE("ResponseDecoder: every recorded stream, chunked, decodes the same at every split") {
  for (const auto& name : testing::recordings(".sse")) {
    INFO(name);
    const std::string body = testing::recording(name);
    const std::string bytes = chunked(body, 700);
    const Summary whole = decode(bytes, 0);
    CHECK(whole.done);
    CHECK((whole.error || whole.block || !whole.finishes.empty()));
    for (std::size_t split = 1; split < 64; ++split) REQUIRE(decode(bytes, split) == whole);
  }
}

TEST_CASE("ResponseDecoder: a close-delimited answer ends at the close") {
  const std::string body = testing::recording("text-multichunk-2.5-flash.sse");
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body;
  const Summary s = decode(bytes, 100, /*eof_at_end=*/true);
  CHECK(s.done);
  CHECK_FALSE(s.error);
  CHECK_FALSE(s.reusable);
  CHECK(s.finishes == std::vector<std::string>{"STOP"});
}

TEST_CASE("ResponseDecoder: an error answer becomes its typed error, and the connection stays usable") {
  const Summary s = decode(answer(429, testing::recording("error-429-resource-exhausted.json")), 7);
  CHECK(s.done);
  CHECK(s.error == "quota_exceeded");
  CHECK(s.reusable);
  CHECK_FALSE(decode(answer(503, "{}", /*keep_alive=*/false), 0).reusable);
}

TEST_CASE("ResponseDecoder: events before an error object are handed on, then the error ends the answer") {
  const std::string body =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}]}}]}\r\n\r\n"
      "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n"
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"never\"}]}}]}\r\n\r\n";
  for (std::size_t split : {0, 1, 5}) {
    const Summary s = decode(chunked(body, 1000), split);
    CHECK(s.text == "Hel");
    CHECK(s.error == "upstream_unavailable");
    CHECK_FALSE(s.reusable);
  }
}

TEST_CASE("ResponseDecoder: garbage and an answer cut short are errors of their own") {
  CHECK(decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0).error == "upstream_protocol");
  CHECK(decode(chunked("data: {not json}\r\n\r\n", 100), 0).error == "upstream_protocol");
  const std::string cut = chunked(testing::recording("text-multichunk-2.5-flash.sse"), 300);
  const Summary s = decode(std::string_view(cut).substr(0, cut.size() / 2), 50, /*eof_at_end=*/true);
  CHECK(s.error == "upstream_unavailable");
}

TEST_CASE("ResponseDecoder: nothing is done before the head is whole") {
  EventParser events;
  ResponseDecoder decoder(events);
  CHECK_FALSE(decoder.started());
  const Decoded d = decoder.feed("HTTP/1.1 200 OK\r\nTransfer-", false);
  CHECK(decoder.started());
  CHECK_FALSE(decoder.head_complete());
  CHECK(d.events.empty());
  CHECK_FALSE(d.done);
}

TEST_CASE("BodyDecoder: giving back its buffers between feeds keeps an event split across them") {
  EventParser events;
  BodyDecoder body(events);
  body.set_status(200);
  const std::string event = R"(data: {"candidates":[{"content":{"parts":[{"text":"Hello"}]}}]})";
  const std::string whole = event + "\r\n\r\n" + event + "\r\n\r\n";
  // The first event whole, the second cut mid-line: its start must survive the release.
  const std::size_t cut = event.size() + 4 + 20;
  Decoded first = body.feed(std::string_view(whole).substr(0, cut), false);
  REQUIRE(first.events.size() == 1);
  CHECK(first.events[0].text == "Hello");
  body.release_buffers();
  Decoded second = body.feed(std::string_view(whole).substr(cut), true);
  REQUIRE(second.events.size() == 1);
  CHECK(second.events[0].text == "Hello");
  CHECK(second.done);
  CHECK_FALSE(second.error);
}
