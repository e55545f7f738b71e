// Tests for redis/reply_reader: every RESP2 type, nesting, errors, the size bound, and the grind:
// the same replies whatever the split of the bytes.
#include "chatrelay/redis/reply_reader.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using chatrelay::redis::ProtocolError;
using chatrelay::redis::Reply;
using chatrelay::redis::ReplyReader;

namespace {

// A reply as one line of text, so whole sequences compare in one CHECK.
std::string show(const Reply& r) {
  std::string out;
  switch (r.type) {
    case Reply::Type::string: out.push_back('$'); out.append(r.text); break;
    case Reply::Type::status: out.push_back('+'); out.append(r.text); break;
    case Reply::Type::error: out.push_back('-'); out.append(r.text); break;
    case Reply::Type::integer: out.push_back(':'); out.append(std::to_string(r.integer)); break;
    case Reply::Type::nil: out.append("nil"); break;
    case Reply::Type::array:
      out.push_back('[');
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.append(show(r.elements[i]));
      }
      out.push_back(']');
      break;
  }
  return out;
}

std::vector<std::string> drain(ReplyReader& reader) {
  std::vector<std::string> out;
  while (auto r = reader.next()) out.push_back(show(*r));
  return out;
}

const std::string stream =
    "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhe\r\nl\r\n$0\r\n\r\n$-1\r\n*-1\r\n"
    "*3\r\n$1\r\na\r\n:1\r\n*2\r\n+x\r\n$-1\r\n*0\r\n";
const std::vector<std::string> expected = {"+OK",  "-ERR wrong", ":42", ":-7", "$he\r\nl", "$", "nil", "nil",
                                           "[$a,:1,[+x,nil]]", "[]"};

}  // namespace

TEST_CASE("reply_reader: every RESP2 type, whole") {
  ReplyReader reader(1 << 20);
  reader.feed(stream);
  CHECK(drain(reader) == expected);
  CHECK_FALSE(reader.next());
}

TEST_CASE("reply_reader: grind — split at every byte, and byte by byte") {
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    ReplyReader reader(1 << 20);
    std::vector<std::string> got;
    reader.feed(stream.substr(0, cut));
    for (auto& r : drain(reader)) got.push_back(r);
    reader.feed(stream.substr(cut));
    for (auto& r : drain(reader)) got.push_back(r);
    INFO("cut at " << cut);
    CHECK(got == expected);
  }
  ReplyReader reader(1 << 20);
  std::vector<std::string> got;
  for (char c : stream) {
    reader.feed(std::string(1, c));
    for (auto& r : drain(reader)) got.push_back(r);
  }
  CHECK(got == expected);
}

TEST_CASE("reply_reader: bytes that are not RESP are a ProtocolError") {
  ReplyReader reader(1 << 20);
  reader.feed("?what\r\n");
  CHECK_THROWS_AS(reader.next(), ProtocolError);
}

TEST_CASE("reply_reader: a reply over the bound is refused before it is whole") {
  ReplyReader reader(1000);
  reader.feed("$5000\r\n");
  reader.feed(std::string(900, 'x'));
  CHECK_FALSE(reader.next());  // 900 buffered: still within the bound
  reader.feed(std::string(200, 'x'));
  CHECK_THROWS_AS(reader.next(), ProtocolError);
}

TEST_CASE("reply_reader: a reply within the bound after a large one is fine") {
  ReplyReader reader(1000);
  reader.feed("$900\r\n" + std::string(900, 'y') + "\r\n");
  auto r = reader.next();
  REQUIRE(r);
  CHECK(r->text.size() == 900);
  reader.feed(":1\r\n");
  CHECK(drain(reader) == std::vector<std::string>{":1"});
}

// Found by the fuzzer (fuzz/regressions/fuzz_resp_reader/): hiredis sized an array from its header
// alone, so 12 bytes asked for 3 GB.
TEST_CASE("reply_reader: an array header larger than the bound is refused, nested ones too") {
  ReplyReader reader(1 << 20);
  reader.feed("*379012345\r\n");
  CHECK_THROWS_AS(reader.next(), ProtocolError);
  ReplyReader nested(1 << 20);
  std::string many = "*3\r\n";
  for (int i = 0; i < 3; ++i) many += "*10000\r\n";  // each alone is within the bound; together not
  nested.feed(many);
  CHECK_THROWS_AS(nested.next(), ProtocolError);
}
