// One HTTP/2 connection's framing, client or server side: bytes from the peer in → what the peer
// did (events); what we submit → bytes to send. The nghttp2 wrapper (nghttp2 is called here
// alone, DESIGN.md §3); pure: no I/O, fed bytes like the other decoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::http2 {

struct Header {
  std::string name;  // lower-case; pseudo-headers (":status", ":path") included
  std::string value;
};

// RST_STREAM and GOAWAY codes we name (RFC 9113 §7).
enum class Code : std::uint32_t {
  no_error = 0,
  protocol_error = 1,
  internal_error = 2,
  refused_stream = 7,  // the peer never processed the stream: safe to send again
  cancel = 8,
};

// Something the peer did, in the order its frames came.
struct Event {
  enum class Kind {
    headers,     // a header block (request, response or trailers): `headers`
    data,        // body bytes of `stream`: `data`, a view into the bytes given to feed()
    end_stream,  // the peer's side of `stream` is complete
    closed,      // `stream` is gone; `code` says why (no_error: both sides completed)
    goaway,      // the peer takes no stream above `last_stream`; `code` says why
    settings,    // the peer's SETTINGS arrived (peer_max_concurrent_streams() says its limit)
  };
  Kind kind = Kind::closed;
  std::int32_t stream = 0;
  std::vector<Header> headers;
  std::string_view data;  // not a copy: a stream's bytes are copied once, by whoever keeps them
  std::uint32_t code = 0;
  std::int32_t last_stream = 0;
};

class Session {
 public:
  enum class Role { client, server };
  struct Options {
    std::uint32_t max_concurrent_streams = 100;  // announced to the peer
    std::uint32_t initial_window_size = 65535;   // each stream's receive window, announced
    // The connection's receive window (RFC 9113's default: 65,535). Streams share it, so at its
    // default a few streams in flight fill it and all of them wait for its WINDOW_UPDATE; what a
    // stream may hold unread is bounded by its own window, not by this one.
    std::uint32_t connection_window_size = 65535;
    // The receive window of a stream opens again only as consume() says its bytes were used
    // (our backpressure reaches the peer); the connection's opens as bytes arrive, so one slow
    // stream never holds up the others.
    bool manual_stream_windows = false;
  };

  // Throws std::bad_alloc.
  Session(Role role, Options options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  struct Fed {
    std::span<const Event> events;  // valid until the next feed, and data while the fed bytes are
    bool ok = true;                 // false: the peer broke the protocol; send output(), then close
  };
  // Bytes from the peer, in any split; with none, the events output() caused since the last feed.
  Fed feed(std::string_view bytes);
  // Every frame ready to go (the preface and SETTINGS first); valid until the next call.
  std::string_view output();
  // False once neither side has anything left to say (after GOAWAY both ways, or a fatal error).
  bool alive() const;
  // Whether output() would give anything now.
  bool want_write() const;

  // Client: opens a stream with `headers` and `body` (empty: none). Returns its id, or 0 when no
  // stream can be opened any more on this connection (ids exhausted, GOAWAY received).
  std::int32_t request(std::span<const Header> headers, std::string_view body);
  // Server: answers `stream` with `headers`; `end`: no body follows.
  void respond(std::int32_t stream, std::span<const Header> headers, bool end);
  // Server: body bytes for `stream` (after respond without `end`); `end`: the last ones.
  void send_data(std::int32_t stream, std::string_view bytes, bool end);
  // Ends `stream` at once with RST_STREAM.
  void reset(std::int32_t stream, Code code);
  // Server: no stream above `last_stream` will be processed.
  void goaway(std::int32_t last_stream, Code code);
  // With manual_stream_windows: `n` bytes of `stream`'s data were used (written out).
  void consume(std::int32_t stream, std::size_t n);

  // The peer's SETTINGS_MAX_CONCURRENT_STREAMS (100 until its SETTINGS arrive, RFC 9113 §6.5.2
  // recommends at least that).
  std::uint32_t peer_max_concurrent_streams() const;
  // Bytes of `stream` still queued by send_data (server), not yet framed.
  std::size_t queued(std::int32_t stream) const;

  struct Impl;  // the nghttp2 session and its callbacks (session.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::http2
