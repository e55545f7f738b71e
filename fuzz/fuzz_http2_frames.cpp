// libFuzzer target: http2::Session fed what a peer may send, as a client with one request open
// (the Gemini side) and as a server (the fake). The first byte picks a split position; whole and
// split must agree on every stream's headers, body and ending, and on whether the bytes were
// refused. What each session answers (SETTINGS ACK, WINDOW_UPDATE, RST_STREAM, GOAWAY) is drained
// once all the bytes are in: what nghttp2 decodes next depends on what it has sent (a stream whose
// RST_STREAM went out is closed, and a closed stream's frames are ignored), so draining between the
// two pieces would test when we write, not how the bytes were split (found by this target).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http2/session.hpp"
#include "fuzz_check.hpp"

using chatrelay::http2::Event;
using chatrelay::http2::Header;
using chatrelay::http2::Session;

namespace {

struct Outcome {
  std::map<std::int32_t, std::string> streams;  // headers, body and end_stream in one transcript
  std::vector<std::int32_t> goaways;
  bool ok = true;
  bool operator==(const Outcome&) const = default;
};

Outcome run(Session::Role role, std::string_view bytes, std::size_t split) {
  Session session(role, {.initial_window_size = 4096, .manual_stream_windows = role == Session::Role::client});
  if (role == Session::Role::client) {
    const std::vector<Header> headers{{":method", "POST"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/"}};
    session.request(headers, "{}");
  }
  (void)session.output();
  Outcome out;
  // The last, empty feed collects what output() caused (a stream closed as its RST_STREAM went
  // out), as the next read would.
  const std::string_view pieces[] = {bytes.substr(0, split), bytes.substr(split), std::string_view()};
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string_view piece = pieces[i];
    if (!out.ok) break;
    const auto fed = session.feed(piece);
    out.ok = fed.ok;
    for (const Event& e : fed.events) {
      // Closes are not compared: when nghttp2 resets a stream for bad headers, whether the
      // peer's own RST_STREAM for it reports a close depends on whether ours went out first
      // (found by this target; a call's deadline bounds such a stream).
      if (e.kind == Event::Kind::closed) continue;
      // After the first GOAWAY the connection takes no new stream, so later SETTINGS and GOAWAYs
      // change nothing, and whether nghttp2 still reads them depends on the split: once no stream
      // is left (the GOAWAY closed them, or an RST_STREAM that went out between two reads did),
      // it reads no more, but it finishes the read it is in (found by this target).
      const bool connection_level = e.kind == Event::Kind::settings || e.kind == Event::Kind::goaway;
      if (connection_level && !out.goaways.empty()) continue;
      std::string& s = out.streams[e.stream];
      switch (e.kind) {
        case Event::Kind::headers:
          for (const auto& h : e.headers) s += h.name + ":" + h.value + "\n";
          break;
        case Event::Kind::data:
          s += e.data;
          session.consume(e.stream, e.data.size());
          break;
        case Event::Kind::end_stream: s += "<end>"; break;
        case Event::Kind::closed: break;
        case Event::Kind::goaway: out.goaways.push_back(e.last_stream); break;
        case Event::Kind::settings: s += "<settings>"; break;
      }
    }
    if (i == 1) (void)session.output();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  for (auto role : {Session::Role::client, Session::Role::server}) {
    const Outcome whole = run(role, bytes, bytes.size());
    const Outcome parts = run(role, bytes, split);
    // A refusal ends the session: what came before it must agree, what it stopped need not.
    if (whole.ok && parts.ok) FUZZ_CHECK(whole == parts, "a split changed what was decoded");
    FUZZ_CHECK(whole.ok == parts.ok, "a split changed whether the bytes were refused");
  }
  return 0;
}
