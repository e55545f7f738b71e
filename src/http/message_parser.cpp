// MessageParser: llhttp callbacks filling a Message, pausing after each complete message so that
// pipelined requests are handled one at a time, and enforcing header and body limits.
#include "chatrelay/http/message_parser.hpp"

#include <llhttp.h>

#include <cassert>
#include <cstring>

namespace chatrelay::http {

struct MessageParser::Impl {
  llhttp_t parser{};
  MessageParser* owner = nullptr;

  static MessageParser& self(llhttp_t* p) { return *static_cast<Impl*>(p->data)->owner; }

  static int fail(MessageParser& m, int status, const char* reason) {
    m.error_status_ = status;
    m.error_reason_ = reason;
    return -1;
  }

  static int count_header_bytes(MessageParser& m, std::size_t n) {
    m.header_bytes_ += n;
    if (m.header_bytes_ > m.limits_.max_header_bytes)
      return fail(m, 431, "Request header fields too large");
    return 0;
  }

  static int on_message_begin(llhttp_t* p) {
    auto& m = self(p);
    m.started_ = true;
    return 0;
  }

  static int on_url(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    m.message_.target.append(at, n);
    return count_header_bytes(m, n);
  }

  // Trailer fields (after the last chunk of a chunked body) are checked and counted but not
  // kept: nothing reads them, and mixed into the head's fields they would let a body rewrite
  // its own head. A name is required (the head scanner does not see trailers).
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
    if (!m.field_in_progress_) {
      m.message_.headers.emplace_back();
      m.field_in_progress_ = true;
    }
    auto& name = m.message_.headers.back().name;
    const bool starts = name.empty();
    for (std::size_t i = 0; i < n; ++i) {
      char c = at[i];
      name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    // A name can arrive in pieces (one per read): ": " and CRLF are counted once, with the first.
    return count_header_bytes(m, starts ? n + 4 : n);
  }

  static int on_header_field_complete(llhttp_t* p) {
    auto& m = self(p);
    if (m.headers_complete_) return trailer_needs_name(m);
    m.field_in_progress_ = false;
    return 0;
  }

  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    if (m.headers_complete_) {
      if (int r = trailer_needs_name(m)) return r;
      return count_header_bytes(m, n);
    }
    m.message_.headers.back().value.append(at, n);
    return count_header_bytes(m, n);
  }

  static int on_header_value_complete(llhttp_t* p) {
    auto& m = self(p);
    if (m.headers_complete_) {
      if (int r = trailer_needs_name(m)) return r;
      m.trailer_name_bytes_ = 0;
      return 0;
    }
    auto& v = m.message_.headers.back().value;
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
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
      if (p->http_major != 1) return fail(m, 505, "HTTP version not supported");
      // llhttp hands the bytes after a CONNECT head to the caller as a tunnel, body or not.
      if (p->method == HTTP_CONNECT) return fail(m, 400, "CONNECT is not supported");
      if (p->http_minor >= 1 && !msg.has_header("host")) return fail(m, 400, "Missing Host header");
      if (msg.target.empty() || (msg.target[0] != '/' && msg.target != "*"))
        return fail(m, 400, "Request target must be a path");
    } else {
      msg.status = p->status_code;
    }
    if (msg.content_length && *msg.content_length > m.limits_.max_body_bytes)
      return fail(m, 413, "Request body too large");
    m.headers_complete_ = true;
    return m.no_body_ ? 1 : 0;
  }

  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    auto& m = self(p);
    m.body_bytes_ += n;
    if (m.body_bytes_ > m.limits_.max_body_bytes) return fail(m, 413, "Request body too large");
    m.message_.body.append(at, n);
    return 0;
  }

  static int on_message_complete(llhttp_t* p) {
    auto& m = self(p);
    m.message_complete_ = true;
    return HPE_PAUSED;
  }
};

HeadScanner::Finding HeadScanner::scan(std::string_view bytes) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  auto at = [begin](const char* p) { return static_cast<std::size_t>(p - begin); };
  const char* p = begin;
  while (p < end && !done_) {
    const char c = *p;
    if (after_cr_) {
      after_cr_ = false;
      if (c != '\n') return {at(p), "Bare CR in message head"};
      if (line_length_ == 0) {
        done_ = lines_ > 0;  // a blank line ends the head; before the start line it is skipped
      } else {
        ++lines_;
        line_length_ = 0;
      }
      ++p;
      continue;
    }
    if (c == '\r') {
      after_cr_ = true;
      ++p;
      continue;
    }
    if (c == '\n') return {at(p), "Bare LF in message head"};
    if (line_length_ == 0 && lines_ > 0) {
      if (c == ' ' || c == '\t') return {at(p), "Obsolete line folding in header"};
      if (c == ':') return {at(p), "Empty header name"};
    }
    // The rest of the line, up to its CR, matters only if it holds an LF: two memchr (vector
    // code) instead of a branch per byte.
    const auto* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
    const char* line_end = cr != nullptr ? cr : end;
    if (const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(line_end - p))))
      return {at(lf), "Bare LF in message head"};
    line_length_ += static_cast<std::size_t>(line_end - p);
    p = line_end;
  }
  return {bytes.size(), nullptr};
}

MessageParser::MessageParser(Mode mode, Limits limits) : impl_(std::make_unique<Impl>()), limits_(limits) {
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
  if (data.empty()) return {Event::need_more, 0};
  started_ = true;
  if (!head_scan_.done()) {
    if (const auto bad = head_scan_.scan(data); bad.reason != nullptr) {
      error_status_ = 400;
      error_reason_ = bad.reason;
      return {Event::error, bad.offset};
    }
  }
  auto err = llhttp_execute(&impl_->parser, data.data(), data.size());
  if (err == HPE_OK) return {Event::need_more, data.size()};
  const char* pos = llhttp_get_error_pos(&impl_->parser);
  std::size_t consumed = pos ? static_cast<std::size_t>(pos - data.data()) : data.size();
  if (err == HPE_PAUSED && message_complete_) return {Event::message_complete, consumed};
  if (error_status_ == 0) {
    error_status_ = 400;
    error_reason_ = llhttp_get_error_reason(&impl_->parser);
    if (error_reason_.empty()) error_reason_ = llhttp_errno_name(err);
  }
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
  headers_complete_ = false;
  started_ = false;
  message_complete_ = false;
  no_body_ = false;
  field_in_progress_ = false;
  trailer_name_bytes_ = 0;
  head_scan_ = {};
  if (llhttp_get_errno(&impl_->parser) == HPE_PAUSED) llhttp_resume(&impl_->parser);
}

void MessageParser::expect_no_body() { no_body_ = true; }

}  // namespace chatrelay::http
