// Tests for gemini/sse_decoder: line endings, fields, raw blocks, bounds, buffer reuse, and the
// grind over every real recording (every split point, CRLF/LF/CR variants, byte by byte).
#include <catch2/catch.hpp>

#include "chatrelay/gemini/sse_decoder.hpp"
#include "recordings.hpp"

using chatrelay::gemini::testing::allocations;
using chatrelay::gemini::testing::counting;
using namespace chatrelay::gemini;
using testing::decode_all;
using testing::DecodedEvent;

namespace {

using Events = std::vector<DecodedEvent>;

// Feeds `pieces` in order, then finish(); fails on too_large.
Events decode_pieces(const std::vector<std::string_view>& pieces) {
  Events events;
  SseDecoder decoder;
  const auto sink = [&](std::string_view data, bool raw) {
    events.push_back({std::string(data), raw});
  };
  bool ok = true;
  for (auto piece : pieces) ok = decoder.feed(piece, sink) == SseDecoder::Status::ok && ok;
  CHECK(ok);
  decoder.finish(sink);
  return events;
}

Events data_events(std::initializer_list<const char*> texts) {
  Events events;
  for (const char* text : texts) events.push_back({text, false});
  return events;
}

// Every split of `body` into two feeds gives `expected`; returns the number of bad splits and
// the first one in `first_bad`. Checks in place (no copies), so the 62 KB recording stays fast.
std::size_t grind_two_feeds(std::string_view body, const Events& expected, std::size_t& first_bad) {
  std::size_t bad = 0;
  SseDecoder decoder;
  for (std::size_t split = 0; split <= body.size(); ++split) {
    std::size_t index = 0;
    bool same = true;
    const auto sink = [&](std::string_view data, bool raw) {
      same = same && index < expected.size() && expected[index].data == data &&
             expected[index].raw == raw;
      ++index;
    };
    same = decoder.feed(body.substr(0, split), sink) == SseDecoder::Status::ok && same;
    same = decoder.feed(body.substr(split), sink) == SseDecoder::Status::ok && same;
    decoder.finish(sink);
    if (!same || index != expected.size()) {
      if (bad++ == 0) first_bad = split;
    }
  }
  return bad;
}

Events decode_bytewise(std::string_view body) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < body.size(); ++i) pieces.push_back(body.substr(i, 1));
  return decode_pieces(pieces);
}

// The events as a plain reading of the file sees them: every recording holds one `data:` line per
// event, so this independent splitter is enough to state what the decoder must produce.
Events expected_events(const std::string& body) {
  Events events;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find_first_of("\r\n", start);
    if (end == std::string::npos) end = body.size();
    const std::string_view line(body.data() + start, end - start);
    if (line.starts_with("data: ")) events.push_back({std::string(line.substr(6)), false});
    start = end + 1;
  }
  return events;
}

// The same events re-framed with every event's data cut into `width`-byte `data:` lines (which
// the decoder joins with \n), separated by `eol`: multi-line events exercise line ends inside an
// event, not only the blank line after it.
std::pair<std::string, Events> multiline(const Events& events, std::size_t width,
                                         std::string_view eol) {
  std::string body;
  Events expected;
  for (const auto& event : events) {
    std::string joined;
    for (std::size_t at = 0; at < event.data.size(); at += width) {
      const auto piece = std::string_view(event.data).substr(at, width);
      body.append("data: ").append(piece).append(eol);
      if (at != 0) joined += '\n';
      joined += piece;
    }
    body.append(eol);
    expected.push_back({joined, false});
  }
  return {body, expected};
}

}  // namespace

TEST_CASE("SseDecoder: an event ends at a blank line, with any line ending") {
  CHECK(decode_all("data: a\n\ndata: b\n\n") == data_events({"a", "b"}));
  CHECK(decode_all("data: a\r\n\r\ndata: b\r\n\r\n") == data_events({"a", "b"}));
  CHECK(decode_all("data: a\r\rdata: b\r\r") == data_events({"a", "b"}));
  CHECK(decode_all("data: a\r\n\ndata: b\n\r\n") == data_events({"a", "b"}));
}

TEST_CASE("SseDecoder: data lines are joined with \\n and lose one leading space") {
  CHECK(decode_all("data: one\ndata:two\ndata:  three\n\n") == data_events({"one\ntwo\n three"}));
  CHECK(decode_all("data\n\n") == data_events({""}));
  CHECK(decode_all("data:\ndata:\n\n") == data_events({"\n"}));
  CHECK(decode_all("data: a: b\n\n") == data_events({"a: b"}));
}

TEST_CASE("SseDecoder: comments, other fields and stray blank lines give nothing") {
  CHECK(decode_all(": keep-alive\n\n").empty());
  CHECK(decode_all("\n\n\r\n\r\r").empty());
  CHECK(decode_all("event: message\nid: 7\nretry: 100\ndata: x\n\n") == data_events({"x"}));
  CHECK(decode_all("event: ping\n\n").empty());
  CHECK(decode_all("   \n\t\n").empty());
}

TEST_CASE("SseDecoder: a \\r at the end of a read is one line end with a \\n in the next read") {
  CHECK(decode_pieces({"data: a\r", "\n\r", "\ndata: b\r", "\n\r", "\n"}) ==
        data_events({"a", "b"}));
  CHECK(decode_pieces({"data: a\r", "\ndata: b\r", "\n\r\n"}) == data_events({"a\nb"}));
  CHECK(decode_pieces({"data: a\r", "\r"}) == data_events({"a"}));
  // The event is complete at the second \r, before the trailing \n arrives.
  Events events;
  SseDecoder decoder;
  const auto sink = [&](std::string_view data, bool raw) {
    events.push_back({std::string(data), raw});
  };
  CHECK(decoder.feed("data: a\r\n\r", sink) == SseDecoder::Status::ok);
  CHECK(events == data_events({"a"}));
  CHECK(decoder.feed("\ndata: b\r\n\r\n", sink) == SseDecoder::Status::ok);
  CHECK(events == data_events({"a", "b"}));
}

TEST_CASE("SseDecoder: finish() flushes an unterminated event and line, then starts over") {
  CHECK(decode_all("data: a\n") == data_events({"a"}));
  CHECK(decode_all("data: a") == data_events({"a"}));
  CHECK(decode_all("data: a\ndata: b") == data_events({"a\nb"}));

  Events events;
  SseDecoder decoder;
  const auto sink = [&](std::string_view data, bool raw) {
    events.push_back({std::string(data), raw});
  };
  decoder.feed("data: first", sink);
  decoder.finish(sink);
  decoder.feed("data: second\n\n", sink);
  decoder.finish(sink);
  CHECK(events == data_events({"first", "second"}));
}

TEST_CASE("SseDecoder: lines that are not SSE fields form a raw block") {
  const Events raw_json = {{"{\n  \"error\": {\n    \"code\": 429\n  }\n}", true}};
  CHECK(decode_all("{\n  \"error\": {\n    \"code\": 429\n  }\n}\n") == raw_json);
  CHECK(decode_all("{\r\n  \"error\": {\r\n    \"code\": 429\r\n  }\r\n}") == raw_json);
  CHECK(decode_all("<html>\r\n<body>Bad Gateway</body>\r\n\r\n") ==
        Events{{"<html>\n<body>Bad Gateway</body>", true}});
  // Blank-looking lines inside a raw block are kept; a really blank line ends it.
  CHECK(decode_all("[{\n  \n}]\n\n") == Events{{"[{\n  \n}]", true}});
  // Data then raw without a blank line between: both are handed over, in order.
  CHECK(decode_all("data: {\"a\":1}\n{\"error\":{}}\n") ==
        Events{{"{\"a\":1}", false}, {"{\"error\":{}}", true}});
  CHECK(decode_all("oops\ndata: x\n\n") == Events{{"oops", true}, {"x", false}});
  // Comments and known fields inside a raw block do not end it.
  CHECK(decode_all("{\n: note\n}\n") == Events{{"{\n}", true}});
}

TEST_CASE("SseDecoder: an event or line over max_event_bytes is too_large until reset") {
  const auto ignore = [](std::string_view, bool) {};
  SseDecoder decoder(16);
  CHECK(decoder.feed("data: 0123456789\n\n", ignore) == SseDecoder::Status::ok);
  CHECK(decoder.feed("data: 0123456789\ndata: 0123456789\n\n", ignore) ==
        SseDecoder::Status::too_large);
  CHECK(decoder.feed("data: x\n\n", ignore) == SseDecoder::Status::too_large);
  decoder.reset();
  CHECK(decoder.feed("data: x\n\n", ignore) == SseDecoder::Status::ok);

  // A line that never ends, fed in small pieces.
  decoder.reset();
  auto status = SseDecoder::Status::ok;
  for (int i = 0; i < 10 && status == SseDecoder::Status::ok; ++i)
    status = decoder.feed("abcd", ignore);
  CHECK(status == SseDecoder::Status::too_large);

  // A raw block counts too.
  decoder.reset();
  CHECK(decoder.feed("{\n\"0123456789\"\n\"0123456789\"\n", ignore) ==
        SseDecoder::Status::too_large);

  // Nothing is handed over by finish() after too_large.
  int calls = 0;
  decoder.finish([&](std::string_view, bool) { ++calls; });
  CHECK(calls == 0);
}

// Found by the fuzzer (fuzz/regressions/fuzz_sse_decoder/): whether a line was too large
// depended on where the reads split it.
TEST_CASE("SseDecoder: a line is too large by its whole length, however it is split") {
  const auto ignore = [](std::string_view, bool) {};
  const std::string lines[] = {
      ": " + std::string(30, 'c') + "\ndata: ok\n\n",  // a comment
      "data: " + std::string(13, 'x') + "\n\n",         // 19 bytes of line, 13 of data
  };
  for (const auto& body : lines) {
    for (std::size_t i = 0; i <= body.size(); ++i) {
      INFO(body << " split at " << i);
      SseDecoder decoder(16);
      auto status = decoder.feed(std::string_view(body).substr(0, i), ignore);
      if (status == SseDecoder::Status::ok) status = decoder.feed(std::string_view(body).substr(i), ignore);
      CHECK(status == SseDecoder::Status::too_large);
    }
  }
}

TEST_CASE("the allocation counter sees allocations") {
  const long before = allocations;
  counting = true;
  std::string text(1000, 'x');
  counting = false;
  CHECK(allocations > before);
  allocations = 0;
}

TEST_CASE("SseDecoder: a warmed-up decoder does not allocate") {
  allocations = 0;
  const std::string body = testing::recording("text-multichunk-long-2.0-flash.sse");
  SseDecoder decoder;
  std::size_t bytes = 0;
  const auto sink = [&](std::string_view data, bool) { bytes += data.size(); };
  for (int round = 0; round < 2; ++round) {
    if (round == 1) counting = true;
    for (std::size_t at = 0; at < body.size(); at += 100) {
      decoder.feed(std::string_view(body).substr(at, 100), sink);
    }
    decoder.finish(sink);
    counting = false;
  }
  CHECK(bytes > 0);
  CHECK(allocations == 0);
}

TEST_CASE("SseDecoder: every recording decodes to its data lines") {
  for (const auto& name : testing::recordings(".sse")) {
    INFO(name);
    const std::string body = testing::recording(name);
    const Events expected = expected_events(body);
    CHECK(!expected.empty());
    CHECK(decode_all(body) == expected);
  }
}

TEST_CASE("SseDecoder grind: every recording split at every byte gives the same events") {
  for (const auto& name : testing::recordings(".sse")) {
    const std::string body = testing::recording(name);
    const Events expected = decode_all(body);
    const std::string lf = testing::replace_all(body, "\r\n", "\n");
    const std::string crlf = testing::replace_all(lf, "\n", "\r\n");
    const std::string cr = testing::replace_all(lf, "\n", "\r");
    const auto [multi, multi_expected] = multiline(expected, 61, "\r\n");
    const auto [multi_cr, multi_cr_expected] = multiline(expected, 7, "\r");
    INFO(name << " (" << body.size() << " bytes, " << expected.size() << " events)");

    const auto grind = [](std::string_view variant, std::string_view bytes, const Events& events) {
      std::size_t first_bad = 0;
      const std::size_t bad = grind_two_feeds(bytes, events, first_bad);
      if (bad != 0) FAIL_CHECK(variant << ": " << bad << " bad splits, the first at " << first_bad);
      SUCCEED(variant);
    };
    grind("as recorded", body, expected);
    if (lf != body) grind("CRLF → LF", lf, expected);
    grind("multi-line data, CRLF", multi, multi_expected);

    CHECK(decode_bytewise(body) == expected);
    CHECK(decode_bytewise(lf) == expected);
    CHECK(decode_bytewise(crlf) == expected);
    CHECK(decode_bytewise(cr) == expected);
    CHECK(decode_bytewise(multi_cr) == multi_cr_expected);
  }
}
