// Lookup of built-in recordings, reading recordings from disk, and splitting SSE bodies.
#include "recordings.hpp"

#include <cassert>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace chatrelay::fake {

std::string_view embedded_recording(std::string_view name) {
  for (std::size_t i = 0; i < embedded_recording_count; ++i)
    if (embedded_recordings[i].name == name) return embedded_recordings[i].bytes;
  assert(false && "recording not embedded: add it to src/fake/meson.build");
  return {};
}

std::string read_recording(const std::filesystem::path& file, const std::filesystem::path& recordings_dir) {
  std::filesystem::path path = file;
  if (!std::filesystem::exists(path) && !file.has_parent_path()) path = recordings_dir / file;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read recording " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string_view> split_events(std::string_view body) {
  std::vector<std::string_view> events;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::size_t end = 0;
    if (body.compare(i, 4, "\r\n\r\n") == 0)
      end = i + 4;
    else if (body.compare(i, 2, "\n\n") == 0)
      end = i + 2;
    if (end == 0) continue;
    events.push_back(body.substr(start, end - start));
    start = end;
    i = end - 1;
  }
  if (start < body.size()) events.push_back(body.substr(start));
  return events;
}

}  // namespace chatrelay::fake
