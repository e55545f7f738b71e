// libFuzzer target: http1::MessageParser in response mode (what Gemini, or anything posing as it,
// can send us), with an unbounded body as gemini::Client uses it: chunked decoding,
// Content-Length and read-until-close bodies, drained after every read. The first byte picks a
// split position (and whether the answer is to a HEAD); whole and split must agree. The same bytes
// also drive a generator of valid responses, each of which must be read back as built.
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http1/message_parser.hpp"
#include "fuzz_check.hpp"

using chatrelay::http1::MessageParser;
using Event = MessageParser::Event;

namespace {

constexpr MessageParser::Limits limits{4 * 1024, SIZE_MAX};

struct Parsed {
  int status = 0;
  std::string body;
  std::size_t header_count = 0;
  bool keep_alive = false;
  bool chunked = false;
  bool operator==(const Parsed&) const = default;
};

// Two failures agree when their statuses do, or when one of them is a limit (413, 431): llhttp
// reports a span (URL, header) when it ends or when the read ends, so where reads end decides
// whether a limit or a later syntax error is noticed first. Either way the connection closes.
bool same_failure(int a, int b) {
  const auto limit = [](int s) { return s == 413 || s == 431; };
  return a == b || (a != 0 && b != 0 && (limit(a) || limit(b)));
}

struct Outcome {
  std::vector<Parsed> messages;  // complete ones
  std::string partial_body;      // of a message that was cut short
  int error_status = 0;
  bool finished = false;  // finish() at EOF accepted the end
  bool operator==(const Outcome& o) const {
    return messages == o.messages && partial_body == o.partial_body &&
           same_failure(error_status, o.error_status) && finished == o.finished;
  }
};

// Feeds `pieces` like gemini::Client: after each read the body is drained; at the end, EOF.
Outcome run(const std::vector<std::string_view>& pieces, bool head) {
  MessageParser parser(MessageParser::Mode::response, limits);
  if (head) parser.expect_no_body();
  Outcome out;
  std::string body;
  for (std::string_view data : pieces) {
    for (;;) {
      const auto r = parser.feed(data);
      FUZZ_CHECK(r.consumed <= data.size(), "feed consumes at most what it was given");
      data.remove_prefix(r.consumed);
      auto& m = parser.message();
      body += m.body;
      m.body.clear();
      if (r.event == Event::error) {
        out.error_status = parser.error_status();
        FUZZ_CHECK(out.error_status != 0, "an error has a status");
        FUZZ_CHECK(!parser.error_reason().empty(), "an error has a reason");
        out.partial_body = body;
        return out;
      }
      if (r.event == Event::message_complete) {
        FUZZ_CHECK(parser.headers_complete(), "a complete message had its head");
        FUZZ_CHECK(m.status >= 0 && m.status <= 999, "a status has three digits");
        FUZZ_CHECK(!(m.chunked && m.content_length), "Content-Length with chunked is refused");
        if (head) FUZZ_CHECK(body.empty(), "a HEAD answer has no body");
        if (!head && m.content_length && !m.chunked && m.status >= 200 && m.status != 204 &&
            m.status != 304) {
          FUZZ_CHECK(body.size() == *m.content_length, "the body has Content-Length bytes");
        }
        out.messages.push_back({m.status, body, m.headers.size(), m.keep_alive, m.chunked});
        body.clear();
        parser.next();
        if (head) parser.expect_no_body();
        continue;
      }
      FUZZ_CHECK(data.empty(), "need_more means every byte was consumed");
      break;
    }
  }
  const bool between_messages = !parser.started();
  out.finished = parser.finish();
  if (between_messages) FUZZ_CHECK(out.finished, "the peer may close between two messages");
  body += parser.message().body;
  if (out.finished && parser.started()) {
    // finish() completed a read-until-close body.
    out.messages.push_back({parser.message().status, body, parser.message().headers.size(),
                            parser.message().keep_alive, parser.message().chunked});
  } else {
    out.partial_body = body;
  }
  if (!out.finished) out.error_status = parser.error_status();
  return out;
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
  std::string text(std::string_view alphabet, std::size_t max_length) {
    std::string out(next() % (max_length + 1), '\0');
    for (char& c : out) c = alphabet[next() % alphabet.size()];
    return out;
  }

 private:
  std::string_view bytes_;
};

// A valid response built from the input (headers possibly with empty values; the body framed by
// Content-Length, chunked with extensions and a trailer, or the end of the connection): it must be
// accepted, and the body decoded must be the body sent.
void check_valid_response(std::string_view input) {
  Entropy e(input);
  constexpr std::string_view tchar =
      "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string any;
  for (int c = 0; c < 256; ++c) any += static_cast<char>(c);
  std::string vchar;
  for (char c = 0x21; c < 0x7f; ++c) vchar += c;

  int status = 200 + e.next() % 400;
  if (status == 204 || status == 304) ++status;  // those never have a body
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + e.text("ABCXYZ abc", 12) + "\r\n";
  const std::size_t header_count = e.next() % 5;
  for (std::size_t i = 0; i < header_count; ++i) {
    response += "X-" + e.text(tchar, 10) + ":" + (e.next() % 2 ? " " : "") + e.text(vchar, 20) + "\r\n";
  }
  const std::string body = e.text(any, 200);
  const int framing = e.next() % 3;
  if (framing == 0) {
    response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  } else if (framing == 1) {
    response += "Transfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (std::size_t at = 0; at < body.size();) {
      const std::size_t n = std::min<std::size_t>(body.size() - at, 1 + e.next() % 64);
      std::snprintf(size, sizeof size, e.next() % 2 ? "%zx" : "%zX", n);
      response += size;
      if (e.next() % 4 == 0) response += ";" + e.text(tchar, 5) + "=" + e.text(tchar, 5);
      response += "\r\n" + body.substr(at, n) + "\r\n";
      at += n;
    }
    response += "0\r\n";
    if (e.next() % 2) response += "X-Trailer: " + e.text(vchar, 10) + "\r\n";
    response += "\r\n";
  } else {
    response += "\r\n" + body;  // until the connection closes
  }

  const Outcome outcome = run({response}, false);
  const bool ok = outcome.error_status == 0 && outcome.messages.size() == 1 &&
                  outcome.messages[0].status == status && outcome.messages[0].body == body;
  if (!ok) {
    std::fprintf(stderr, "valid response refused or misread (error %d):\n%s\n",
                 outcome.error_status, response.c_str());
  }
  FUZZ_CHECK(outcome.error_status == 0, "a valid response is accepted");
  FUZZ_CHECK(ok, "a valid response reads back as built");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const bool head = (bytes[0] & 1) != 0;
  const std::size_t split = input.size() * (bytes[0] >> 1) / 127;

  const Outcome whole = run({input}, head);
  const Outcome halves = run({input.substr(0, split), input.substr(split)}, head);
  FUZZ_CHECK(halves == whole, "split in two, the input gives the same messages and error");
  if (input.size() <= 512) {
    std::vector<std::string_view> single_bytes;
    for (std::size_t i = 0; i < input.size(); ++i) single_bytes.push_back(input.substr(i, 1));
    FUZZ_CHECK(run(single_bytes, head) == whole, "byte by byte, the input gives the same result");
  }
  check_valid_response(input);
  return 0;
}
