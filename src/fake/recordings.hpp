// Recorded Gemini bodies: the few the scenarios play are built into the binary; --replay reads
// any recording from disk.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::fake {

struct EmbeddedRecording {
  std::string_view name;  // file name in tests/data/gemini-recordings
  std::string_view bytes;
};
extern const EmbeddedRecording embedded_recordings[];  // generated at build time
extern const std::size_t embedded_recording_count;

// The built-in copy of a recording; asserts that it was embedded (see meson.build).
std::string_view embedded_recording(std::string_view name);

// Reads `file`, or `recordings_dir / file` when `file` is a bare name that does not exist.
// Throws std::runtime_error when neither can be read.
std::string read_recording(const std::filesystem::path& file, const std::filesystem::path& recordings_dir);

// The events of an SSE body, each with its blank-line separator (\r\n\r\n or \n\n); bytes after
// the last separator come last. Concatenated they give back `body` exactly.
std::vector<std::string_view> split_events(std::string_view body);

}  // namespace chatrelay::fake
