// libFuzzer target: redis::ReplyReader. The first byte picks the reply bound (64 MiB, or a small one
// so that the bound is reachable) and a split position; the rest is fed whole, split in two, and
// (when short) byte by byte: every way must hand over the same replies and fail alike. Replies
// are within the bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/redis/reply_reader.hpp"
#include "fuzz_check.hpp"

using chatrelay::redis::ProtocolError;
using chatrelay::redis::Reply;
using chatrelay::redis::ReplyReader;

namespace {

void flatten(const Reply& r, std::string& out, std::size_t depth = 0) {
  FUZZ_CHECK(depth < 16, "replies nest only as deep as hiredis allows");
  out += static_cast<char>('0' + static_cast<int>(r.type));
  out += std::to_string(r.integer) + ":" + std::to_string(r.text.size()) + ":" + r.text;
  out += "[" + std::to_string(r.elements.size());
  for (const auto& e : r.elements) flatten(e, out, depth + 1);
  out += "]";
}

struct Outcome {
  std::vector<std::string> replies;
  bool failed = false;
  bool operator==(const Outcome&) const = default;
};

Outcome run(const std::vector<std::string_view>& pieces, std::size_t bound) {
  Outcome out;
  ReplyReader reader(bound);
  try {
    for (std::string_view piece : pieces) {
      reader.feed(piece);
      while (auto r = reader.next()) {
        std::string flat;
        flatten(*r, flat);
        out.replies.push_back(std::move(flat));
      }
    }
  } catch (const ProtocolError&) {
    out.failed = true;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr std::size_t bounds[] = {64u << 20, 16, 64, 300};
  const std::size_t bound = bounds[control & 3];
  const Outcome whole = run({input}, bound);
  for (const auto& r : whole.replies) FUZZ_CHECK(r.size() < input.size() * 8 + 64, "a reply comes from the input");
  if (bound == (64u << 20)) {
    // A split may only change where a too-large reply is noticed, so only the unbounded reader
    // compares across splits.
    const std::size_t cut = input.empty() ? 0 : (control >> 2) % (input.size() + 1);
    const Outcome split = run({input.substr(0, cut), input.substr(cut)}, bound);
    FUZZ_CHECK(split == whole, "a split in two gives the same replies");
    if (input.size() <= 512) {
      std::vector<std::string_view> bytes;
      for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
      FUZZ_CHECK(run(bytes, bound) == whole, "byte by byte gives the same replies");
    }
  }
  return 0;
}
