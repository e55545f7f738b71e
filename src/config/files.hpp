// Whole-file reads for the loader: config.toml, .env and system prompt files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace chatrelay::config::detail {

// Why a file could not be read; the message is "cannot read PATH: REASON".
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads the file at `path` (a regular file of at most `max_bytes`). Throws FileError.
std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace chatrelay::config::detail
