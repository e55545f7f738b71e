// Tests for http2::Session: a client and a server session talking through memory (request and
// answer, flow control, RST_STREAM, GOAWAY, SETTINGS), and the grind test: a server's frames
// carrying a recorded Gemini stream, fed to a client split at every byte.
#include "chatrelay/http2/session.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

using namespace chatrelay;
using http2::Event;
using http2::Header;
using http2::Session;

namespace {

std::string recording(const std::string& name) {
  const char* dir = std::getenv("CHATRELAY_RECORDINGS");
  const std::filesystem::path base = dir && *dir ? dir : CHATRELAY_RECORDINGS_DIR;
  std::ifstream in(base / name, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::vector<Header> request_headers = {
    {":method", "POST"},
    {":scheme", "https"},
    {":authority", "generativelanguage.googleapis.com"},
    {":path", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"},
    {"content-type", "application/json"},
};

// What one side saw, gathered across feeds: per stream, its headers, body and how it ended.
struct Seen {
  struct Stream {
    std::vector<Header> headers;
    std::string body;
    bool ended = false;
    bool closed = false;
    std::uint32_t code = 0;
  };
  std::map<std::int32_t, Stream> streams;
  std::vector<Event> goaways;
  int settings = 0;
  bool ok = true;

  void take(const Session::Fed& fed) {
    ok = ok && fed.ok;
    for (const auto& e : fed.events) {
      auto& s = streams[e.stream];
      switch (e.kind) {
        case Event::Kind::headers: s.headers.insert(s.headers.end(), e.headers.begin(), e.headers.end()); break;
        case Event::Kind::data: s.body += e.data; break;
        case Event::Kind::end_stream: s.ended = true; break;
        case Event::Kind::closed:
          s.closed = true;
          s.code = e.code;
          break;
        case Event::Kind::goaway: goaways.push_back(e); break;
        case Event::Kind::settings: ++settings; break;
      }
    }
  }
};

// Moves every pending frame both ways until neither side has more to say.
void pump(Session& client, Seen& at_client, Session& server, Seen& at_server) {
  for (int i = 0; i < 100; ++i) {
    const std::string up(client.output());
    if (!up.empty()) at_server.take(server.feed(up));
    const std::string down(server.output());
    if (!down.empty()) at_client.take(client.feed(down));
    if (up.empty() && down.empty()) return;
  }
  FAIL("the sessions never went quiet");
}

std::string header(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (h.name == name) return h.value;
  return {};
}

// SSE events of a recording, each to go as its own DATA frame.
std::vector<std::string> events_of(const std::string& sse) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < sse.size();) {
    std::size_t end = sse.find("\r\n\r\n", at);
    end = end == std::string::npos ? sse.size() : end + 4;
    out.push_back(sse.substr(at, end - at));
    at = end;
  }
  return out;
}

}  // namespace

TEST_CASE("http2::Session: a request and a streamed answer, both ways through memory") {
  Session client(Session::Role::client, {});
  Session server(Session::Role::server, {});
  Seen at_client, at_server;
  const std::int32_t id = client.request(request_headers, R"({"contents":[]})");
  REQUIRE(id == 1);
  pump(client, at_client, server, at_server);
  REQUIRE(at_server.streams.count(1));
  CHECK(header(at_server.streams[1].headers, ":path") == request_headers[3].value);
  CHECK(at_server.streams[1].body == R"({"contents":[]})");
  CHECK(at_server.streams[1].ended);

  server.respond(1, std::vector<Header>{{":status", "200"}, {"content-type", "text/event-stream"}}, false);
  server.send_data(1, "data: 1\r\n\r\n", false);
  pump(client, at_client, server, at_server);
  CHECK(header(at_client.streams[1].headers, ":status") == "200");
  CHECK(at_client.streams[1].body == "data: 1\r\n\r\n");
  CHECK_FALSE(at_client.streams[1].ended);
  server.send_data(1, "data: 2\r\n\r\n", true);
  pump(client, at_client, server, at_server);
  CHECK(at_client.streams[1].body == "data: 1\r\n\r\ndata: 2\r\n\r\n");
  CHECK(at_client.streams[1].ended);
  CHECK(at_client.streams[1].closed);
  CHECK(at_client.streams[1].code == 0);
  CHECK(at_client.ok);
  CHECK(at_server.ok);
}

TEST_CASE("http2::Session: the server's MAX_CONCURRENT_STREAMS reaches the client") {
  Session client(Session::Role::client, {});
  Session server(Session::Role::server, {.max_concurrent_streams = 3});
  Seen at_client, at_server;
  CHECK(client.peer_max_concurrent_streams() == 100);  // until the server's SETTINGS arrive
  pump(client, at_client, server, at_server);
  CHECK(at_client.settings == 1);
  CHECK(client.peer_max_concurrent_streams() == 3);
}

TEST_CASE("http2::Session: a slow stream's window holds only that stream; consume() opens it") {
  Session client(Session::Role::client, {.initial_window_size = 1024, .manual_stream_windows = true});
  Session server(Session::Role::server, {});
  Seen at_client, at_server;
  const auto slow = client.request(request_headers, "");
  const auto fast = client.request(request_headers, "");
  pump(client, at_client, server, at_server);
  for (auto id : {slow, fast}) {
    server.respond(id, std::vector<Header>{{":status", "200"}}, false);
    server.send_data(id, std::string(3000, id == slow ? 's' : 'f'), false);
  }
  pump(client, at_client, server, at_server);
  CHECK(at_client.streams[slow].body.size() == 1024);  // its window, and no more
  CHECK(at_client.streams[fast].body.size() == 1024);
  CHECK(server.queued(slow) == 3000 - 1024);
  // The fast stream's reader keeps up; the slow one's does not.
  for (int round = 0; round < 3; ++round) {
    client.consume(fast, 1024);
    pump(client, at_client, server, at_server);
  }
  CHECK(at_client.streams[fast].body == std::string(3000, 'f'));
  CHECK(at_client.streams[slow].body.size() == 1024);
  client.consume(slow, 1024);
  pump(client, at_client, server, at_server);
  CHECK(at_client.streams[slow].body.size() == 2048);
}

namespace {

// Bytes the server can send on `streams` streams in one flight: after one exchange of SETTINGS
// and WINDOW_UPDATEs, before any further WINDOW_UPDATE.
std::size_t one_flight(Session::Options client_options, int streams, std::size_t each) {
  Session client(Session::Role::client, client_options);
  Session server(Session::Role::server, {});
  Seen at_client, at_server;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < streams; ++i) ids.push_back(client.request(request_headers, ""));
  pump(client, at_client, server, at_server);
  for (auto id : ids) {
    server.respond(id, std::vector<Header>{{":status", "200"}}, false);
    server.send_data(id, std::string(each, 'x'), true);
  }
  at_client.take(client.feed(std::string(server.output())));
  std::size_t got = 0;
  for (auto id : ids) got += at_client.streams[id].body.size();
  return got;
}

}  // namespace

TEST_CASE("http2::Session: the connection's receive window is the one configured") {
  // Four streams of 60,000 bytes, each within its stream's window: at RFC 9113's connection
  // window of 65,535 the connection holds them up, at 1 MiB it does not.
  CHECK(one_flight({}, 4, 60000) == 65535);
  CHECK(one_flight({.connection_window_size = 1024 * 1024}, 4, 60000) == 4 * 60000);
  // Beyond what HTTP/2 allows, it is the largest window there is.
  CHECK(one_flight({.initial_window_size = 1u << 20, .connection_window_size = 0xffffffffu}, 4, 300000) == 4 * 300000);
}

TEST_CASE("http2::Session: RST_STREAM ends one stream; the connection carries on") {
  Session client(Session::Role::client, {});
  Session server(Session::Role::server, {});
  Seen at_client, at_server;
  const auto gone = client.request(request_headers, "");
  const auto stays = client.request(request_headers, "");
  pump(client, at_client, server, at_server);
  for (auto id : {gone, stays}) server.respond(id, std::vector<Header>{{":status", "200"}}, false);
  pump(client, at_client, server, at_server);
  client.reset(gone, http2::Code::cancel);
  pump(client, at_client, server, at_server);
  CHECK(at_server.streams[gone].closed);
  CHECK(at_server.streams[gone].code == static_cast<std::uint32_t>(http2::Code::cancel));
  server.send_data(gone, "late", true);  // the server had not noticed yet: dropped
  server.send_data(stays, "still here", true);
  pump(client, at_client, server, at_server);
  CHECK(at_client.streams[stays].body == "still here");
  CHECK(at_client.streams[stays].ended);
  CHECK(at_client.streams[gone].body.empty());
  CHECK(client.alive());
}

TEST_CASE("http2::Session: GOAWAY refuses the streams above its last id, and only those") {
  Session client(Session::Role::client, {});
  Session server(Session::Role::server, {});
  Seen at_client, at_server;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(client.request(request_headers, ""));
  pump(client, at_client, server, at_server);
  server.goaway(ids[1], http2::Code::no_error);
  pump(client, at_client, server, at_server);
  REQUIRE(at_client.goaways.size() == 1);
  CHECK(at_client.goaways[0].last_stream == ids[1]);
  CHECK_FALSE(at_client.streams[ids[0]].closed);
  CHECK_FALSE(at_client.streams[ids[1]].closed);
  for (std::size_t i = 2; i < ids.size(); ++i) {
    CHECK(at_client.streams[ids[i]].closed);
    CHECK(at_client.streams[ids[i]].code == static_cast<std::uint32_t>(http2::Code::refused_stream));
  }
  CHECK(client.request(request_headers, "") == 0);  // no new stream after GOAWAY
  server.respond(ids[1], std::vector<Header>{{":status", "200"}}, true);
  pump(client, at_client, server, at_server);
  CHECK(at_client.streams[ids[1]].ended);  // a stream below the line still completes
}

TEST_CASE("http2::Session: bytes that are not HTTP/2 are refused") {
  Session server(Session::Role::server, {});
  CHECK_FALSE(server.feed("POST / HTTP/1.1\r\nHost: x\r\n\r\n").ok);
}

// The server's frames for a recorded answer, fed to a fresh client in two pieces split at every
// byte (and a byte at a time): the same headers, body and end every time.
TEST_CASE("http2::Session: a recorded answer's frames decode the same at every split") {
  for (const std::string name : {"thinking-2.5-flash-thoughts.sse", "text-multichunk-2.5-flash.sse"}) {
    INFO(name);
    const std::string sse = recording(name);
    Session server(Session::Role::server, {});
    Session first(Session::Role::client, {});
    Seen unused, at_server;
    first.request(request_headers, "{}");
    at_server.take(server.feed(first.output()));
    std::string frames(server.output());
    server.respond(1, std::vector<Header>{{":status", "200"}, {"content-type", "text/event-stream"}}, false);
    const auto events = events_of(sse);
    for (std::size_t i = 0; i < events.size(); ++i) {
      server.send_data(1, events[i], i + 1 == events.size());
      frames += server.output();
    }
    const auto decode = [&](const std::vector<std::string_view>& pieces) {
      Session client(Session::Role::client, {});
      client.request(request_headers, "{}");
      (void)client.output();
      Seen seen;
      for (auto p : pieces) seen.take(client.feed(p));
      return seen;
    };
    const Seen whole = decode({frames});
    REQUIRE(whole.ok);
    REQUIRE(whole.streams.at(1).body == sse);
    REQUIRE(whole.streams.at(1).ended);
    const std::string_view all(frames);
    for (std::size_t at = 0; at <= all.size(); ++at) {
      const Seen split = decode({all.substr(0, at), all.substr(at)});
      REQUIRE(split.ok);
      REQUIRE(split.streams.at(1).body == sse);
      REQUIRE(split.streams.at(1).headers.size() == whole.streams.at(1).headers.size());
      REQUIRE(split.streams.at(1).ended);
    }
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < all.size(); ++i) bytes.push_back(all.substr(i, 1));
    const Seen dribbled = decode(bytes);
    CHECK(dribbled.streams.at(1).body == sse);
    CHECK(dribbled.streams.at(1).ended);
  }
}
