// MessageParser: llhttp callbacks filling a Message, pausing after each complete message so that
// pipelined requests are handled one at a time, and enforcing header and body limits.
#include "chatrelay/http1/message_parser.hpp"

#include <llhttp.h>

#include <cassert>

namespace chatrelay::http1 {

namespace {

// Past max_header_bytes a request head is still read, up to this many times the limit, for the
// fields an error answer needs (see MessageParser::error_status); then it is a 431 at once.
constexpr std::size_t head_read_factor = 4;
constexpr std::size_t max_kept_value = 1024;  // of Origin or X-Request-Id, past the limit
// A chunk line's extensions (RFC 9112 §7.1.1): nothing reads them; a few hundred bytes is more
// than any real client sends, and a bound keeps a body from hiding in them.
constexpr std::size_t max_chunk_extension_bytes = 256;

// The fields an answer to a head too large still carries: the browser's Origin (CORS) and the
// client's request id.
bool kept_past_limit(std::string_view lower_name) { return lower_name == "origin" || lower_name == "x-request-id"; }

void append_lower(std::string& out, const char* at, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    char c = at[i];
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
}

}  // namespace

struct MessageParser::Impl {
  llhttp_t parser{};
  MessageParser* owner = nullptr;

  static MessageParser& self(llhttp_t* p) { return *static_cast<Impl*>(p->data)->owner; }
  static bool is_request(const MessageParser& m) { return m.impl_->parser.type == HTTP_REQUEST; }

  static int fail(MessageParser& m, int status, const char* reason) {
    m.error_status_ = status;
    m.error_reason_ = reason;
    return -1;
  }

  // Past the limit a request head is read on without being kept: the field in progress goes
  // (unless it is one of kept_past_limit's), and later ones are only named.
  static void start_skipping(MessageParser& m) {
    m.head_too_large_ = true;
    auto& headers = m.message_.headers;
    if (headers.size() <= m.complete_headers_) return;
    if (m.field_in_progress_) {
      m.skipped_name_.clear();
      if (headers.back().name.size() <= 32) m.skipped_name_.append(headers.back().name);
      else m.skipped_name_.push_back('~');
      headers.pop_back();
    } else if (kept_past_limit(headers.back().name)) {
      m.keep_value_ = true;
    } else {
      headers.pop_back();
    }
  }

  static int count_header_bytes(MessageParser& m, std::size_t n) {
    m.header_bytes_ += n;
    if (m.header_bytes_ <= m.limits_.max_header_bytes) return 0;
    if (m.headers_complete_ || !is_request(m) || m.header_bytes_ > head_read_factor * m.limits_.max_header_bytes)
      return fail(m, 431, "Request header fields too large");
    if (!m.head_too_large_) start_skipping(m);
    return 0;
  }

  static int on_message_begin(llhttp_t* p) {
    auto& m = self(p);
    m.started_ = true;
    return 0;
  }

  static int on_url(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    if (int r = count_header_bytes(m, n)) return r;
    if (!m.head_too_large_) m.message_.target.append(at, n);
    return 0;
  }

  // Trailer fields (after the last chunk of a chunked body) are checked and counted but not
  // kept: nothing reads them, and mixed into the head's fields they would let a body rewrite
  // its own head. A name is required; their line structure is scanned like a head's (execute).
  static int trailer_field(MessageParser& m, std::size_t n) {
    const bool starts = m.trailer_name_bytes_ == 0;
    m.trailer_name_bytes_ += n;
    return count_header_bytes(m, starts ? n + 4 : n);
  }
  static int trailer_needs_name(MessageParser& m) {
    return m.trailer_name_bytes_ == 0 ? fail(m, 400, "Empty trailer field name") : 0;
  }

  static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    if (m.headers_complete_) return trailer_field(m, n);
    const bool starts = !m.field_in_progress_;
    if (starts) {
      m.field_in_progress_ = true;
      if (m.head_too_large_) m.skipped_name_.clear();
      else m.message_.headers.emplace_back();
    }
    // A name can arrive in pieces (one per read): ": " and CRLF are counted once, with the first.
    if (int r = count_header_bytes(m, starts ? n + 4 : n)) return r;
    if (!m.head_too_large_) {
      append_lower(m.message_.headers.back().name, at, n);
    } else if (m.skipped_name_.size() + n <= 32) {
      append_lower(m.skipped_name_, at, n);
    } else {
      m.skipped_name_.clear();
      m.skipped_name_.push_back('~');  // too long to be a kept one (no "=": GCC 12 -Wrestrict)
    }
    return 0;
  }

  static int on_header_field_complete(llhttp_t* p) {
    auto& m = self(p);
    if (m.headers_complete_) return trailer_needs_name(m);
    m.field_in_progress_ = false;
    if (m.head_too_large_) {
      m.keep_value_ = kept_past_limit(m.skipped_name_) && !m.message_.has_header(m.skipped_name_);
      if (m.keep_value_) m.message_.headers.push_back({m.skipped_name_, {}});
    }
    return 0;
  }

  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    if (m.headers_complete_) {
      if (int r = trailer_needs_name(m)) return r;
      return count_header_bytes(m, n);
    }
    if (int r = count_header_bytes(m, n)) return r;
    if (!m.head_too_large_) {
      m.message_.headers.back().value.append(at, n);
    } else if (m.keep_value_) {
      auto& v = m.message_.headers.back().value;
      if (v.size() + n <= max_kept_value) {
        v.append(at, n);
      } else {  // not cut short: left out
        m.message_.headers.pop_back();
        m.keep_value_ = false;
      }
    }
    return 0;
  }

  static int on_header_value_complete(llhttp_t* p) {
    auto& m = self(p);
    if (m.headers_complete_) {
      if (int r = trailer_needs_name(m)) return r;
      m.trailer_name_bytes_ = 0;
      return 0;
    }
    if (m.head_too_large_ && !m.keep_value_) return 0;
    m.keep_value_ = false;
    auto& v = m.message_.headers.back().value;
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    ++m.complete_headers_;
    return 0;
  }

  // What a request head must also be, beyond what llhttp checks: RFC 9112 lets a server refuse
  // each of these, and each is a shape on which two parsers in a chain can disagree.
  static int check_request_head(MessageParser& m, llhttp_t* p) {
    const auto& msg = m.message_;
    if (p->http_major != 1) return fail(m, 505, "HTTP version not supported");
    // llhttp hands the bytes after a CONNECT head to the caller as a tunnel, body or not.
    if (p->method == HTTP_CONNECT) return fail(m, 400, "CONNECT is not supported");
    std::size_t hosts = 0, transfer_encodings = 0;
    std::string_view coding;
    for (const auto& h : msg.headers) {
      // (Every field is looked at: llhttp's F_TRANSFER_ENCODING is not set by an empty one.)
      const std::string_view name = h.name;
      hosts += name == "host";
      if (name == "transfer-encoding") {
        ++transfer_encodings;
        coding = h.value;
      }
    }
    if (p->http_minor >= 1 && hosts == 0) return fail(m, 400, "Missing Host header");
    if (hosts > 1) return fail(m, 400, "Duplicate Host header");
    if (transfer_encodings > 0) {
      if (p->http_minor == 0) return fail(m, 400, "Transfer-Encoding in an HTTP/1.0 request");
      // Only chunked alone: we decode no other coding, and a list is where parsers disagree.
      if (transfer_encodings > 1 || !iequals(coding, "chunked"))
        return fail(m, 400, "Transfer-Encoding other than chunked");
    }
    if (msg.target.empty() || (msg.target[0] != '/' && msg.target != "*"))
      return fail(m, 400, "Request target must be a path");
    // We switch to no other protocol (an h2c Upgrade from curl --http2, a WebSocket): the request
    // is read and answered as HTTP/1.1, and so is what follows it on the connection.
    p->upgrade = 0;
    return 0;
  }

  static int on_headers_complete(llhttp_t* p) {
    auto& m = self(p);
    auto& msg = m.message_;
    msg.version_minor = p->http_minor;
    msg.keep_alive = llhttp_should_keep_alive(p) != 0;
    msg.chunked = (p->flags & F_CHUNKED) != 0;
    if (p->flags & F_CONTENT_LENGTH) msg.content_length = p->content_length;
    if (p->type == HTTP_REQUEST) {
      msg.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
      if (m.head_too_large_) return fail(m, 431, "Request header fields too large");
      if (int r = check_request_head(m, p)) return r;
    } else {
      msg.status = p->status_code;
    }
    m.headers_complete_ = true;
    // A head without a body goes straight on to its end: nothing is left to decide about.
    if (m.stop_after_head_ && (msg.chunked || msg.content_length.value_or(0) > 0)) {
      m.head_paused_ = true;
      return HPE_PAUSED;
    }
    if (msg.content_length && *msg.content_length > m.body_limit_) return fail(m, 413, "Request body too large");
    return m.no_body_ ? 1 : 0;
  }

  static int on_chunk_extension(llhttp_t* p, const char*, std::size_t n) {
    auto& m = self(p);
    m.chunk_extension_bytes_ += n;
    if (is_request(m) && m.chunk_extension_bytes_ > max_chunk_extension_bytes)
      return fail(m, 400, "Chunk extensions too long");
    return 0;
  }

  static int on_chunk_header(llhttp_t* p) {
    auto& m = self(p);
    m.chunk_extension_bytes_ = 0;
    // The last chunk: stop so that the trailer section is scanned before llhttp reads it.
    if (p->content_length == 0 && is_request(m)) {
      m.trailers_paused_ = true;
      return HPE_PAUSED;
    }
    return 0;
  }

  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    m.body_bytes_ += n;
    if (m.body_bytes_ > m.body_limit_) return fail(m, 413, "Request body too large");
    m.message_.body.append(at, n);
    return 0;
  }

  static int on_message_complete(llhttp_t* p) {
    auto& m = self(p);
    m.message_complete_ = true;
    return HPE_PAUSED;
  }
};

MessageParser::MessageParser(Mode mode, Limits limits, bool stop_after_head)
    : impl_(std::make_unique<Impl>()),
      limits_(limits),
      body_limit_(limits.max_body_bytes),
      stop_after_head_(stop_after_head && mode == Mode::request) {
  // One table of callbacks for every parser (llhttp keeps a pointer to it): a copy per
  // connection would be one more cold cache line to read per request.
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &Impl::on_message_begin;
    s.on_url = &Impl::on_url;
    s.on_header_field = &Impl::on_header_field;
    s.on_header_field_complete = &Impl::on_header_field_complete;
    s.on_header_value = &Impl::on_header_value;
    s.on_header_value_complete = &Impl::on_header_value_complete;
    s.on_headers_complete = &Impl::on_headers_complete;
    s.on_chunk_extension_name = &Impl::on_chunk_extension;
    s.on_chunk_extension_value = &Impl::on_chunk_extension;
    s.on_chunk_header = &Impl::on_chunk_header;
    s.on_body = &Impl::on_body;
    s.on_message_complete = &Impl::on_message_complete;
    return s;
  }();
  llhttp_init(&impl_->parser, mode == Mode::request ? HTTP_REQUEST : HTTP_RESPONSE, &settings);
  impl_->parser.data = impl_.get();
  impl_->owner = this;
}

MessageParser::~MessageParser() = default;

MessageParser::Result MessageParser::feed(std::string_view data) {
  if (error_status_ != 0) return {Event::error, 0};
  if (message_complete_) return {Event::message_complete, 0};
  if (head_paused_) return {Event::head_complete, 0};
  if (data.empty()) return {Event::need_more, 0};
  started_ = true;
  return execute(data);
}

MessageParser::Result MessageParser::accept_body(std::size_t max_body_bytes) {
  assert(head_paused_);
  head_paused_ = false;
  body_limit_ = max_body_bytes;
  if (message_.content_length && *message_.content_length > body_limit_)
    return failed(413, "Request body too large", 0);
  llhttp_resume(&impl_->parser);
  // No bytes: llhttp still takes the steps that need none.
  static const char nothing = 0;
  return execute(std::string_view(&nothing, 0));
}

MessageParser::Result MessageParser::execute(std::string_view data) {
  std::size_t done = 0;  // bytes of `data` consumed before a stop at the trailers
  for (;;) {
    const std::string_view rest = data.substr(done);
    if (!head_scan_.done()) {
      if (const auto bad = head_scan_.scan(rest); bad.reason != nullptr)
        return failed(400, bad.reason, done + bad.offset);
    }
    const auto err = llhttp_execute(&impl_->parser, rest.data(), rest.size());
    if (err == HPE_OK) return {Event::need_more, data.size()};
    const char* pos = llhttp_get_error_pos(&impl_->parser);
    const std::size_t consumed = done + (pos ? static_cast<std::size_t>(pos - rest.data()) : rest.size());
    if (err == HPE_PAUSED && message_complete_) return {Event::message_complete, consumed};
    if (err == HPE_PAUSED && head_paused_) return {Event::head_complete, consumed};
    if (err == HPE_PAUSED && trailers_paused_) {
      trailers_paused_ = false;
      llhttp_resume(&impl_->parser);
      head_scan_ = HeadScanner::trailers();
      done = consumed;
      continue;
    }
    if (error_status_ == 0) {
      const char* reason = llhttp_get_error_reason(&impl_->parser);
      return failed(400, reason != nullptr && *reason != '\0' ? reason : llhttp_errno_name(err), consumed);
    }
    return failed(error_status_, error_reason_, consumed);
  }
}

MessageParser::Result MessageParser::failed(int status, std::string_view reason, std::size_t consumed) {
  error_status_ = status;
  error_reason_ = reason;
  // Only the fields read whole stay: an error answer may use them (Origin, X-Request-Id).
  if (!headers_complete_ && message_.headers.size() > complete_headers_) message_.headers.resize(complete_headers_);
  return {Event::error, consumed};
}

bool MessageParser::finish() {
  if (error_status_ != 0) return false;
  if (message_complete_) return true;
  // Between two messages the end is clean. (llhttp itself would say otherwise right after a
  // message: it was paused in on_message_complete, before marking the state safe to finish.)
  if (!started_) return true;
  auto err = llhttp_finish(&impl_->parser);
  if (err != HPE_OK && err != HPE_PAUSED) {
    error_status_ = 400;
    error_reason_ = "Message cut short";
    return false;
  }
  return message_complete_;
}

void MessageParser::next() {
  message_.clear();
  header_bytes_ = 0;
  body_bytes_ = 0;
  body_limit_ = limits_.max_body_bytes;
  headers_complete_ = false;
  started_ = false;
  message_complete_ = false;
  no_body_ = false;
  head_paused_ = false;
  trailers_paused_ = false;
  field_in_progress_ = false;
  head_too_large_ = false;
  keep_value_ = false;
  skipped_name_.clear();
  complete_headers_ = 0;
  trailer_name_bytes_ = 0;
  chunk_extension_bytes_ = 0;
  head_scan_ = {};
  if (llhttp_get_errno(&impl_->parser) == HPE_PAUSED) llhttp_resume(&impl_->parser);
}

void MessageParser::expect_no_body() { no_body_ = true; }

}  // namespace chatrelay::http1
