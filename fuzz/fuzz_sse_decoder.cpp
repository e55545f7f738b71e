// libFuzzer target: gemini::SseDecoder. The first byte picks the event size limit (the production
// 8 MiB, or a small one so that too_large is reachable) and a split position; the rest is fed
// whole, split in two, and (when short) byte by byte, then finished: every way must hand over the
// same events and the same status. A second body through the same (reset) decoder must decode as
// on a fresh one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chatrelay/gemini/sse_decoder.hpp"
#include "fuzz_check.hpp"

using chatrelay::gemini::SseDecoder;

namespace {

struct Outcome {
  std::vector<std::pair<std::string, bool>> events;  // data, raw
  bool too_large = false;
  bool operator==(const Outcome&) const = default;
};

Outcome run(SseDecoder& decoder, const std::vector<std::string_view>& pieces,
            std::size_t max_event_bytes) {
  Outcome out;
  auto sink = [&](std::string_view data, bool raw) {
    FUZZ_CHECK(data.size() <= max_event_bytes, "an event is within the limit");
    FUZZ_CHECK(!raw || !data.empty(), "a raw block is never empty");
    if (raw) {
      FUZZ_CHECK(data.front() != '\n' && data.back() != '\n', "a raw block is trimmed lines");
    }
    out.events.emplace_back(std::string(data), raw);
  };
  for (std::string_view piece : pieces) {
    if (decoder.feed(piece, sink) == SseDecoder::Status::too_large) {
      out.too_large = true;
      break;
    }
  }
  if (!out.too_large) decoder.finish(sink);
  decoder.reset();
  return out;
}

Outcome run_fresh(const std::vector<std::string_view>& pieces, std::size_t max_event_bytes) {
  SseDecoder decoder(max_event_bytes);
  return run(decoder, pieces, max_event_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  constexpr std::size_t limits[4] = {8 * 1024 * 1024, 16, 64, 300};
  const std::size_t max_event_bytes = limits[bytes[0] & 3];
  const std::size_t split = input.size() * (bytes[0] >> 2) / 63;

  SseDecoder decoder(max_event_bytes);
  const Outcome whole = run(decoder, {input}, max_event_bytes);
  for (const auto& [data, raw] : whole.events) {
    FUZZ_CHECK(data.size() <= input.size(), "an event is not longer than the input");
  }
  const Outcome halves = run_fresh({input.substr(0, split), input.substr(split)}, max_event_bytes);
  FUZZ_CHECK(halves == whole, "split in two, the input gives the same events");
  if (input.size() <= 1024) {
    std::vector<std::string_view> single_bytes;
    for (std::size_t i = 0; i < input.size(); ++i) single_bytes.push_back(input.substr(i, 1));
    FUZZ_CHECK(run_fresh(single_bytes, max_event_bytes) == whole,
               "byte by byte, the input gives the same events");
  }
  // The decoder that ran `whole` (finished or reset) decodes the next body like a new one.
  FUZZ_CHECK(run(decoder, {input}, max_event_bytes) == whole, "a reused decoder starts clean");
  return 0;
}
