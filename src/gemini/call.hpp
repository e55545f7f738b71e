// One HTTP exchange with Gemini: a pooled or new connection, the request, and the answer read by
// read into events, under the call's deadlines (connect, first event, between events). Private to
// src/gemini; Client adds the retries.
#pragma once

#include <span>
#include <string>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/gemini/response_decoder.hpp"
#include "pool.hpp"

namespace chatrelay::gemini {

class Call {
 public:
  // `read_buffer` is shared by every call on the loop: a call feeds what it read to its decoder
  // before it next suspends.
  Call(Pool& pool, const config::GeminiSettings& settings, EventParser& events, std::span<char> read_buffer);
  // A stream still open on an HTTP/2 connection is reset (the connection stays up).
  ~Call();
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // Runs the exchange. Gemini's errors, timeouts and I/O failures come back as the outcome's
  // error; stop() as `stopped`. Throws what the sink and the wait hook throw, and
  // operation_aborted when the awaiting coroutine itself was cancelled (its consumer left).
  awaitable<StreamOutcome> run(const std::string& model, const std::string& body, Client::EventSink& sink,
                               Client::WaitHook*& waiting);
  // Ends the call, whatever step it is in (StreamOutcome::stopped), unless it already ended.
  void stop();
  // After run(): it failed on a pooled connection before any byte of an answer, the way a
  // connection the server closed while idle fails; a fresh one may well succeed.
  bool stale_connection() const { return reused_ && !answer_started() && failed_on_io_; }
  // After run(): Gemini refused the HTTP/2 stream unprocessed (GOAWAY above it, REFUSED_STREAM):
  // sending it again is safe and not a retry.
  bool refused() const { return refused_; }

 private:
  // The exchange itself; throws std::system_error for I/O failures and cancellation.
  awaitable<StreamOutcome> exchange(const std::string& model, const std::string& body, Client::EventSink& sink,
                                    Client::WaitHook*& waiting);
  awaitable<void> write_request(const std::string& model, const std::string& body);
  // Hands the decoded events (if any) to the sink; the idle deadline starts again after it.
  awaitable<void> hand_on(const Decoded& decoded, Client::EventSink& sink);
  // HTTP/2: a connection with room for the stream (waiting for one being dialled, or dialling
  // it); null when the server chose HTTP/1.1 (then conn_ holds the new connection) or HTTP/2 is
  // not wanted.
  awaitable<std::shared_ptr<H2Connection>> h2_connection(Client::WaitHook*& waiting);
  // The exchange as one stream of an HTTP/2 connection.
  // Opens the call's stream on h2_; null when the connection takes no more.
  std::shared_ptr<H2Connection::Stream> open_stream(const std::string& model, const std::string& body);
  awaitable<StreamOutcome> exchange_h2(const std::string& model, const std::string& body, Client::EventSink& sink,
                                       Client::WaitHook*& waiting);
  // Whatever arrives next on the stream (or a failure); throws std::system_error.
  awaitable<void> wait_stream();
  // Gemini reset the stream (or the connection) for broken HTTP/2 framing.
  static bool broken_framing(const H2Connection::Stream& s);
  bool answer_started() const {
    return (decoder_ && decoder_->started()) || (h2_body_ && h2_body_->status() != 0);
  }
  // Runs the caller's hook the first time the call is about to wait (then forgets it).
  awaitable<void> wait_hook(Client::WaitHook*& waiting);
  // Cancels whatever step is pending, and every later one.
  void cancel();
  void throw_if_cancelled() const;
  UpstreamError timeout_error() const;

  Pool& pool_;
  const config::GeminiSettings& settings_;
  std::span<char> read_buffer_;
  EventParser& events_;
  std::unique_ptr<ResponseDecoder> decoder_;  // HTTP/1.1 only: made when the request went out
  Deadline deadline_;
  std::unique_ptr<Pool::Dial> dial_;  // while connecting (and after, for what it reports)
  std::unique_ptr<tls::ClientStream> conn_;
  std::shared_ptr<H2Connection> h2_;
  std::shared_ptr<H2Connection::Stream> stream_;
  std::optional<BodyDecoder> h2_body_;
  steady_timer* dial_wait_ = nullptr;  // while waiting for a connection another call is dialling
  FailedStep step_ = FailedStep::connect;  // how far the call came, for the wording of a failure
  std::size_t bytes_since_event_ = 0;      // answer bytes since the request or the last event
  bool reused_ = false;
  bool connected_ = false;
  bool any_event_ = false;
  bool in_consumer_ = false;  // in the sink or the wait hook: a failure there is the consumer's
  bool cancelled_ = false;    // a wait that has not begun yet must not begin either
  bool timed_out_ = false;
  bool stopped_ = false;
  bool failed_on_io_ = false;
  bool refused_ = false;
};

}  // namespace chatrelay::gemini
