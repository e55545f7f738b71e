// What a streaming route handler sees of its connection: the request, and awaitable writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/http1/message.hpp"
#include "chatrelay/http1/response.hpp"

namespace chatrelay::http {

class Exchange {
 public:
  virtual ~Exchange() = default;

  virtual const http1::Message& request() const = 0;
  // The route's "{name}" path segment ("" for routes without one), e.g. the id of
  // /api/sessions/{id}.
  virtual std::string_view path_param() const = 0;
  // Who is asking, for scoping what they own (sessions): a stable, non-secret name of the bearer
  // token the request presented when server.auth_tokens is set; "" when authentication is off.
  virtual std::string_view principal() const = 0;

  // A complete answer instead of a stream (validation refusals). Throws on I/O failure.
  virtual awaitable<void> respond(http1::Response r) = 0;
  // Sends the head of a chunked response and flushes it. Throws on I/O failure.
  virtual awaitable<void> start_stream(int status, std::string_view content_type,
                                       std::vector<http1::Header> headers) = 0;
  // Sends `data` as one HTTP chunk, flushed before it completes (backpressure: the caller reads
  // upstream again only afterwards). Throws on I/O failure or when the client stalls longer
  // than the write timeout.
  virtual awaitable<void> write_chunk(std::string_view data) = 0;
  // Sends `last` (when not empty) as one HTTP chunk and the terminating zero-length chunk, in
  // one write. Throws like write_chunk.
  virtual awaitable<void> finish_stream(std::string_view last = {}) = 0;
  // Emitted when the server's shutdown grace period runs out: connect it to the upstream call
  // (gemini::Client::stream's stop), so that the handler can still end its stream with an error
  // chunk. A slot connected after the emission is not called: check forced_end() first.
  virtual asio::cancellation_slot forced_end_slot() = 0;
  virtual bool forced_end() const = 0;
  // Bytes of body written so far (for the access log).
  virtual std::size_t bytes_sent() const = 0;
  // The request's id (the client's X-Request-Id when valid, else a new one), echoed in
  // X-Request-Id and put on every log line about this request.
  virtual std::string_view request_id() const = 0;
  // When the whole request had arrived.
  virtual std::chrono::steady_clock::time_point started_at() const = 0;
  // Adds a numeric field to this request's access-log line (e.g. upstream attempts): counts
  // print as integers, durations as decimals (log::kv).
  template <typename N>
    requires std::is_arithmetic_v<N>
  void annotate(std::string_view key, N value) {
    annotate_field(log::kv(key, value));
  }
  virtual void annotate_field(log::Field field) = 0;
};

}  // namespace chatrelay::http
