// Helpers shared by the gemini unit tests: the real recordings on disk and whole-body decoding.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/gemini/sse_decoder.hpp"

namespace chatrelay::gemini::testing {

// Heap allocations are counted while `counting` is true (operator new in alloc_counter.cpp).
extern std::atomic<bool> counting;
extern std::atomic<long> allocations;

inline std::filesystem::path recordings_dir() {
  if (const char* dir = std::getenv("CHATRELAY_RECORDINGS"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return CHATRELAY_RECORDINGS_DIR;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string recording(std::string_view name) { return read_file(recordings_dir() / name); }

// File names in the recordings directory ending in `extension` (e.g. ".sse"), sorted.
inline std::vector<std::string> recordings(std::string_view extension) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(recordings_dir())) {
    const auto name = entry.path().filename().string();
    if (name.ends_with(extension)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) throw std::runtime_error("no recordings in " + recordings_dir().string());
  return names;
}

struct DecodedEvent {
  std::string data;
  bool raw = false;
  bool operator==(const DecodedEvent&) const = default;
};

// The whole body in one feed, then finish().
inline std::vector<DecodedEvent> decode_all(std::string_view body) {
  std::vector<DecodedEvent> events;
  SseDecoder decoder;
  const auto sink = [&](std::string_view data, bool raw) {
    events.push_back({std::string(data), raw});
  };
  if (decoder.feed(body, sink) != SseDecoder::Status::ok) throw std::runtime_error("too large");
  decoder.finish(sink);
  return events;
}

inline std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  for (auto at = text.find(from); at != std::string_view::npos; at = text.find(from)) {
    out.append(text.substr(0, at)).append(to);
    text.remove_prefix(at + from.size());
  }
  return out.append(text);
}

}  // namespace chatrelay::gemini::testing
