// libFuzzer target: http1::MessageParser in request mode (what a client can send us). The input
// after the first byte is fed whole, split in two at a position taken from the first byte, and
// (when short) byte by byte, the way http::Connection feeds it, and also stopping after each head
// (accept_body, as the Connection does); every way must give the same messages and the same error,
// and each message must satisfy the parser's promises (one Host, chunked as the only coding, none
// in HTTP/1.0). The same bytes also drive a generator of valid requests (chunked bodies with
// extensions and trailers, Upgrade headers), each of which must be accepted exactly as built, and
// the request after it too.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http1/message_parser.hpp"
#include "fuzz_check.hpp"

using chatrelay::http1::Header;
using chatrelay::http1::MessageParser;
using Event = MessageParser::Event;

namespace {

// Small limits, so that 413 and 431 are reachable with short inputs.
constexpr MessageParser::Limits limits{1024, 512};

struct Parsed {
  std::string method, target, body;
  std::vector<Header> headers;
  bool keep_alive = false;
  bool chunked = false;
  bool operator==(const Parsed& o) const {
    if (headers.size() != o.headers.size()) return false;
    for (std::size_t i = 0; i < headers.size(); ++i) {
      if (headers[i].name != o.headers[i].name || headers[i].value != o.headers[i].value)
        return false;
    }
    return method == o.method && target == o.target && body == o.body &&
           keep_alive == o.keep_alive && chunked == o.chunked;
  }
};

// Two failures agree when their statuses do, or when one of them is a limit (413, 431): llhttp
// reports a span (URL, header) when it ends or when the read ends, so where reads end decides
// whether a limit or a later syntax error is noticed first. Either way the connection closes.
bool same_failure(int a, int b) {
  const auto limit = [](int s) { return s == 413 || s == 431; };
  return a == b || (a != 0 && b != 0 && (limit(a) || limit(b)));
}

struct Outcome {
  std::vector<Parsed> messages;
  int error_status = 0;
  bool operator==(const Outcome& o) const {
    return messages == o.messages && same_failure(error_status, o.error_status);
  }
};

// What a complete request must look like, whatever the bytes were.
void check_message(const chatrelay::http1::Message& m) {
  std::size_t hosts = 0, codings = 0;
  for (const auto& h : m.headers) {
    hosts += h.name == "host";
    if (h.name == "transfer-encoding") {
      ++codings;
      FUZZ_CHECK(chatrelay::http1::iequals(h.value, "chunked"), "chunked is the only coding accepted");
    }
  }
  FUZZ_CHECK(hosts <= 1, "at most one Host");
  FUZZ_CHECK(codings <= 1, "at most one Transfer-Encoding field");
  FUZZ_CHECK(codings == 0 || m.version_minor >= 1, "no Transfer-Encoding in HTTP/1.0");
  FUZZ_CHECK((codings == 1) == m.chunked, "chunked exactly when Transfer-Encoding says so");
  FUZZ_CHECK(!m.method.empty(), "a complete request has a method");
  FUZZ_CHECK(m.target == "*" || (!m.target.empty() && m.target[0] == '/'),
             "the target is origin-form or *");
  FUZZ_CHECK(m.body.size() <= limits.max_body_bytes, "the body limit holds");
  FUZZ_CHECK(!(m.chunked && m.content_length), "Content-Length with chunked is refused");
  if (m.content_length && !m.chunked) {
    FUZZ_CHECK(m.body.size() == *m.content_length, "the body has Content-Length bytes");
  }
  if (!m.content_length && !m.chunked) FUZZ_CHECK(m.body.empty(), "no framing, no body");
  if (m.version_minor >= 1) FUZZ_CHECK(m.has_header("host"), "HTTP/1.1 needs Host");
  std::size_t header_bytes = m.target.size();
  for (const auto& h : m.headers) {
    FUZZ_CHECK(!h.name.empty(), "header names are not empty");
    for (char c : h.name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "header names are lower-cased");
    for (char c : h.value) FUZZ_CHECK(c != '\r' && c != '\n', "no line break in a header value");
    if (!h.value.empty()) {
      FUZZ_CHECK(h.value.back() != ' ' && h.value.back() != '\t', "values are right-trimmed");
    }
    header_bytes += h.name.size() + h.value.size();
  }
  FUZZ_CHECK(header_bytes <= limits.max_header_bytes, "the header limit holds");
}

// What an error leaves in the message: only fields read whole (an error answer reads its Origin
// and X-Request-Id from them).
void check_failed_message(const chatrelay::http1::Message& m) {
  for (const auto& h : m.headers) {
    FUZZ_CHECK(!h.name.empty(), "a field kept after an error has a name");
    for (char c : h.value) FUZZ_CHECK(c != '\r' && c != '\n', "no line break in a field kept after an error");
  }
}

Outcome run(const std::vector<std::string_view>& pieces, bool stop_after_head = false) {
  MessageParser parser(MessageParser::Mode::request, limits, stop_after_head);
  Outcome out;
  for (std::string_view data : pieces) {
    for (;;) {
      auto r = parser.feed(data);
      FUZZ_CHECK(r.consumed <= data.size(), "feed consumes at most what it was given");
      data.remove_prefix(r.consumed);
      if (r.event == Event::head_complete) {
        FUZZ_CHECK(stop_after_head, "a head stop only when asked for");
        FUZZ_CHECK(parser.headers_complete(), "a head stop comes with the head");
        FUZZ_CHECK(parser.feed(data).event == Event::head_complete, "nothing is read before accept_body");
        r = parser.accept_body(limits.max_body_bytes);
        FUZZ_CHECK(r.consumed == 0, "accept_body reads no bytes");
        if (r.event == Event::need_more) continue;
      }
      if (r.event == Event::error) {
        check_failed_message(parser.message());
        out.error_status = parser.error_status();
        FUZZ_CHECK(out.error_status == 400 || out.error_status == 413 ||
                       out.error_status == 431 || out.error_status == 505,
                   "request errors are 400, 413, 431 or 505");
        FUZZ_CHECK(!parser.error_reason().empty(), "an error has a reason");
        // The parser stays failed.
        FUZZ_CHECK(parser.feed("GET / HTTP/1.1\r\n").event == Event::error, "errors stick");
        return out;
      }
      if (r.event == Event::message_complete) {
        const auto& m = parser.message();
        FUZZ_CHECK(parser.headers_complete(), "a complete message had its head");
        check_message(m);
        out.messages.push_back({m.method, m.target, m.body, m.headers, m.keep_alive, m.chunked});
        parser.next();
        continue;
      }
      FUZZ_CHECK(data.empty(), "need_more means every byte was consumed");
      break;
    }
  }
  return out;
}

// When the first request was accepted, its head must have been strict HTTP/1.1: every line ends in
// CRLF (no bare CR or LF) and no header line starts with a blank (obs-fold, or whitespace after the
// request line).
void check_accepted_head(std::string_view input) {
  // llhttp skips CR and LF before a request line (RFC 9112 §2.2 allows ignoring empty lines there).
  std::size_t start = input.find_first_not_of("\r\n");
  if (start == std::string_view::npos) return;
  for (bool first = true;; first = false) {
    const auto lf = input.find('\n', start);
    if (lf == std::string_view::npos) return;  // cannot tell where the head ends
    const auto line = input.substr(start, lf - start);
    if (line == "\r") return;  // the end of the head
    FUZZ_CHECK(!line.empty() && line.back() == '\r', "an accepted head has no bare LF");
    FUZZ_CHECK(line.find('\r') == line.size() - 1, "an accepted head has no bare CR");
    if (!first) {
      FUZZ_CHECK(line.front() != ' ' && line.front() != '\t', "an accepted head has no folded line");
    }
    start = lf + 1;
  }
}

// Takes bytes from the front of the input, 0 when it is used up.
class Entropy {
 public:
  explicit Entropy(std::string_view bytes) : bytes_(bytes) {}
  std::uint8_t next() {
    if (bytes_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(bytes_.front());
    bytes_.remove_prefix(1);
    return b;
  }
  char pick(std::string_view alphabet) { return alphabet[next() % alphabet.size()]; }
  std::string text(std::string_view alphabet, std::size_t max_length) {
    std::string out(next() % (max_length + 1), '\0');
    for (char& c : out) c = pick(alphabet);
    return out;
  }

 private:
  std::string_view bytes_;
};

// A request that RFC 9110/9112 call valid, built from the input: it must be accepted and read
// back as built. (Header values may be empty; names get an "x-" prefix so that none of them
// changes the framing.)
void check_valid_request(std::string_view input) {
  Entropy e(input);
  constexpr std::string_view methods[] = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
  constexpr std::string_view tchar =
      "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  constexpr std::string_view path_chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/?=&!$'()*+,;:@";
  std::string vchar;
  for (char c = 0x21; c < 0x7f; ++c) vchar += c;

  Parsed expected;
  expected.method = methods[e.next() % std::size(methods)];
  expected.target = "/" + e.text(path_chars, 40);
  expected.headers.push_back({"host", "h" + e.text("abcdefghijklmnopqrstuvwxyz0123456789.-", 20)});
  const std::size_t header_count = e.next() % 6;
  for (std::size_t i = 0; i < header_count; ++i) {
    std::string name = "x-" + e.text(tchar, 12);
    for (char& c : name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    // field-value: VCHARs with single blanks between them, possibly nothing at all.
    std::string value = e.text(vchar, 30);
    for (std::size_t k = 1; k + 1 < value.size(); ++k) {
      if (e.next() % 8 == 0) value[k] = e.next() % 2 ? ' ' : '\t';
    }
    expected.headers.push_back({name, value});
  }
  expected.body = e.text(vchar, 60);
  expected.keep_alive = true;
  // An Upgrade we do not take: the request is read as HTTP/1.1, and so is the next one.
  if (e.next() % 4 == 0) {
    expected.headers.push_back({"connection", "Upgrade"});
    expected.headers.push_back({"upgrade", e.next() % 2 ? "h2c" : "websocket"});
  }
  const bool chunked = e.next() % 3 == 0;

  std::string request = expected.method + " " + expected.target + " HTTP/1.1\r\n";
  for (const auto& h : expected.headers) {
    request += h.name + ":" + (e.next() % 2 ? " " : "") + h.value + "\r\n";
  }
  if (chunked) {
    // Chunks of the body with extensions (within the 256 bytes a line may carry), then trailers.
    request += "transfer-encoding: chunked\r\n\r\n";
    expected.headers.push_back({"transfer-encoding", "chunked"});
    expected.chunked = true;
    std::size_t at = 0;
    while (at < expected.body.size()) {
      const std::size_t n = std::min<std::size_t>(1 + e.next() % 16, expected.body.size() - at);
      char size[8];
      std::snprintf(size, sizeof size, "%zx", n);
      request += size;
      if (e.next() % 2) request += ";" + std::string(1 + e.next() % 120, 'e') + "=" + e.text(tchar, 100);
      request += "\r\n" + expected.body.substr(at, n) + "\r\n";
      at += n;
    }
    request += "0\r\n";
    for (std::size_t t = e.next() % 3; t > 0; --t) request += "x-t" + e.text(tchar, 8) + ": " + e.text(vchar, 20) + "\r\n";
    request += "\r\n";
  } else {
    if (!expected.body.empty() || e.next() % 2) {
      request += "content-length: " + std::to_string(expected.body.size()) + "\r\n";
      expected.headers.push_back({"content-length", std::to_string(expected.body.size())});
    }
    request += "\r\n" + expected.body;
  }
  Parsed next;
  next.method = "GET";
  next.target = "/next";
  next.headers.push_back({"host", "h"});
  next.keep_alive = true;
  request += "GET /next HTTP/1.1\r\nhost: h\r\n\r\n";

  for (bool stop : {false, true}) {
    const Outcome outcome = run({request}, stop);
    const bool as_built = outcome.messages.size() == 2 && outcome.messages[0] == expected && outcome.messages[1] == next;
    if (outcome.error_status != 0 || !as_built) {
      std::fprintf(stderr, "valid request refused or misread (error %d):\n%s\n", outcome.error_status, request.c_str());
    }
    FUZZ_CHECK(outcome.error_status == 0, "a valid request is accepted");
    FUZZ_CHECK(as_built, "a valid request reads back as built, and the next one after it");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const std::size_t split = input.size() * bytes[0] / 255;

  const Outcome whole = run({input});
  const Outcome halves = run({input.substr(0, split), input.substr(split)});
  FUZZ_CHECK(halves == whole, "split in two, the input gives the same messages and error");
  FUZZ_CHECK(run({input.substr(0, split), input.substr(split)}, true) == whole,
             "stopping after each head, the input gives the same messages and error");
  if (input.size() <= 512) {
    std::vector<std::string_view> single_bytes;
    for (std::size_t i = 0; i < input.size(); ++i) single_bytes.push_back(input.substr(i, 1));
    FUZZ_CHECK(run(single_bytes) == whole, "byte by byte, the input gives the same result");
  }
  if (!whole.messages.empty()) check_accepted_head(input);
  check_valid_request(input);
  return 0;
}
