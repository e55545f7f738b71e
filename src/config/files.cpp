// Whole-file reads with messages a user can act on.
#include "files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

namespace chatrelay::config::detail {

std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw FileError("cannot read " + name + ": " +
                    (ec ? ec.message() : std::string("No such file or directory")));
  }
  // An ifstream opens a directory "successfully" on Linux and then reads nothing.
  if (!std::filesystem::is_regular_file(status)) {
    throw FileError("cannot read " + name + ": not a regular file");
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    throw FileError("cannot read " + name + ": larger than " + std::to_string(max_bytes) +
                    " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw FileError("cannot read " + name + ": " + std::strerror(errno));
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) {
    throw FileError("cannot read " + name + ": " + std::strerror(errno));
  }
  return text;
}

}  // namespace chatrelay::config::detail
