// The llhttp wrapper (the only place llhttp is called): an incremental, strict HTTP/1.1 parser for
// requests (server side) and responses (Gemini client side), with header and body limits.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "chatrelay/http1/head_scanner.hpp"
#include "chatrelay/http1/message.hpp"

namespace chatrelay::http1 {

class MessageParser {
 public:
  enum class Mode { request, response };
  struct Limits {
    std::size_t max_header_bytes = 16 * 1024;  // request line/status line + all header lines
    std::size_t max_body_bytes = 1024 * 1024;  // SIZE_MAX: unbounded (streamed responses)
  };
  enum class Event {
    need_more,         // every byte consumed; feed more
    head_complete,     // (stop_after_head) stopped after a head with a body; call accept_body()
    message_complete,  // stopped right after a whole message; unconsumed bytes belong to the next
    error,             // error_status()/error_reason() say what; the connection must close
  };
  struct Result {
    Event event;
    std::size_t consumed;
  };

  // `stop_after_head` (requests): feed() stops after each head that announces a body
  // (Content-Length above 0, chunked) with Event::head_complete, so that the caller decides
  // (route, auth, size) before any of the body is read; the body limit is the one given to
  // accept_body(), not Limits::max_body_bytes. A head without a body ends its message at once
  // (Event::message_complete).
  MessageParser(Mode mode, Limits limits, bool stop_after_head = false);
  ~MessageParser();
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  Result feed(std::string_view data);
  // After Event::head_complete: lets the body be read, at most `max_body_bytes` of it (a larger
  // Content-Length is a 413 at once). Returns what feed() would with no new bytes: need_more (or
  // error).
  Result accept_body(std::size_t max_body_bytes);
  // The peer closed: completes a response delimited by end of connection. Returns false when a
  // message was cut short.
  bool finish();
  // Ready for the next message on the same connection (after message_complete).
  void next();
  // Responses to HEAD carry no body whatever their headers say.
  void expect_no_body();

  // True once the head of the current message was parsed (message() has method/status/headers).
  bool headers_complete() const { return headers_complete_; }
  // True when any byte of the current message has been seen.
  bool started() const { return started_; }
  // True once the whole current message was parsed (Event::message_complete).
  bool message_complete() const { return message_complete_; }
  Message& message() { return message_; }
  const Message& message() const { return message_; }

  // After Event::error: 400 (malformed, smuggling shapes), 413 (body), 431 (header), 505
  // (version); for responses it is only informative. message() then holds the head's fields
  // that were complete: a 431 still reads the rest of the head (up to 4 × max_header_bytes,
  // storing nothing of it) for its Origin and X-Request-Id, so that a browser can read the answer.
  int error_status() const { return error_status_; }
  std::string_view error_reason() const { return error_reason_; }

  struct Impl;  // the llhttp state and callbacks, private to message_parser.cpp

 private:
  friend struct Impl;
  // llhttp over `data`, stopping at a head (stop_after_head), a message's end or an error, and
  // scanning a chunked body's trailer section like a head on the way.
  Result execute(std::string_view data);
  Result failed(int status, std::string_view reason, std::size_t consumed);

  std::unique_ptr<Impl> impl_;
  Limits limits_;
  Message message_;
  std::size_t header_bytes_ = 0;
  std::size_t body_bytes_ = 0;
  std::size_t body_limit_;  // this message's: limits_.max_body_bytes, or accept_body()'s
  bool headers_complete_ = false;
  bool started_ = false;
  bool message_complete_ = false;
  bool no_body_ = false;
  bool stop_after_head_ = false;
  bool head_paused_ = false;      // stopped at Event::head_complete, accept_body() not called yet
  bool trailers_paused_ = false;  // llhttp stopped at the last chunk, for the trailer scan
  bool field_in_progress_ = false;
  bool head_too_large_ = false;  // past max_header_bytes: fields are read but no longer kept
  bool keep_value_ = false;      // past it, this field is one still kept (Origin, X-Request-Id)
  std::string skipped_name_;     // past it, the name of the field being read (when short)
  std::size_t complete_headers_ = 0;    // fields of message_.headers whose value is complete
  std::size_t trailer_name_bytes_ = 0;  // of the trailer field being read
  std::size_t chunk_extension_bytes_ = 0;  // of the chunk line being read
  HeadScanner head_scan_;  // the head's line structure, then the trailers'
  int error_status_ = 0;
  std::string_view error_reason_;
};

}  // namespace chatrelay::http1
