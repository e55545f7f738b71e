// Shared by the config tests: a scratch directory per test and a loader call that returns the error.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chatrelay/config/loader.hpp"

namespace config_test {

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "chatrelay-config-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

inline chatrelay::config::LoadResult load_in(const TempDir& dir,
                                             const std::vector<std::string>& args = {},
                                             const chatrelay::config::Environment& env = {}) {
  return chatrelay::config::load(args, env, dir.path());
}

// The ConfigError message of a load that must fail; "" when it succeeded.
inline std::string load_error(const TempDir& dir, const std::vector<std::string>& args = {},
                              const chatrelay::config::Environment& env = {}) {
  try {
    chatrelay::config::load(args, env, dir.path());
  } catch (const chatrelay::config::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace config_test
