// The Gemini streaming client: pooled TLS connections (pool.hpp), one Call per attempt (call.hpp)
// decoding the answer into typed events (response_decoder.hpp), retries before the first event, and timeouts (connect; request to first event; between
// events: only events count, never bare bytes). A failed call is logged (warn, with the request
// id) in the operator's words; its UpstreamError's message is in the user's.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/gemini/events.hpp"

namespace chatrelay::gemini {

struct StreamOutcome {
  std::optional<UpstreamError> error;  // empty: the upstream ended its answer normally
  int attempts = 0;                    // HTTP requests made (1 + retries)
  bool any_event = false;              // at least one event was handed to the sink
  bool stopped = false;                // the stop slot ended the call
};

class Client {
 public:
  // Throws std::invalid_argument (bad base_url) or std::system_error (CA file).
  Client(asio::io_context& io, const config::GeminiSettings& settings);
  ~Client();

  // Receives the events decoded from one upstream read, in order; the next read starts only
  // after the returned awaitable completes (backpressure).
  using EventSink = std::function<awaitable<void>(std::span<const EventData>)>;
  // Awaited once per stream() call, at the first point where it waits for Gemini: right after the
  // request is written on a pooled connection, or before a new connection is opened (its
  // handshake takes round trips). Where a caller answers its own client first (the chat
  // handler's response head). A failure in it is the caller's, thrown out of stream() like the
  // sink's.
  using WaitHook = std::function<awaitable<void>()>;

  // Streams one generateContent call for `body` (see request_builder), which it lets go once an
  // event has been handed on (no attempt follows then: a held stream does not keep it). Cancelling the awaiting
  // coroutine closes the upstream connection at once. Throws only on that cancellation (and what
  // the sink and `waiting` throw): an operation aborted for any other reason (asio reports a
  // socket it could not open so) is an upstream failure in the outcome. `request_id` goes on the
  // call's log lines. Counts go to metrics::registry(). A signal on `stop` (the server's forced
  // shutdown) ends the call with `stopped` set, so that the caller can still say so to its client.
  awaitable<StreamOutcome> stream(const std::string& model, std::string body, EventSink sink,
                                  std::string_view request_id = {}, asio::cancellation_slot stop = {},
                                  WaitHook waiting = {});

  // Closes pooled idle connections (shutdown).
  void close_idle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::gemini
