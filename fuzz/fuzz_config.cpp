// libFuzzer target: the configuration loader. The input is, in turn: a config.toml in a fixed
// temporary directory, loaded with load({"--config", path}, {}, dir); a .env text whose variables
// are then loaded as the environment; an ALLOWED_ORIGINS value; and a command line (one argument
// per line). Only ConfigError may come out. A TOML file that loads must describe() to TOML that
// loads back to the same description (describe.cpp promises it).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/config/loader.hpp"
#include "fuzz_check.hpp"

using namespace chatrelay::config;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path root;  // holds config.toml and described.toml
  fs::path empty;  // no config.toml, no .env: for the environment and command-line runs
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "chatrelay-fuzz-config.XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    root = pattern;
    empty = root / "empty";
    fs::create_directory(empty);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

const TempDir& temp_dir() {
  static const TempDir dir;
  return dir;
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  FUZZ_CHECK(out.good(), "the temporary file was written");
}

// load(), with ConfigError as the one expected failure.
std::optional<LoadResult> try_load(const std::vector<std::string>& args, const Environment& env,
                                   const fs::path& cwd) {
  try {
    return load(args, env, cwd);
  } catch (const ConfigError& e) {
    FUZZ_CHECK(*e.what() != '\0', "a ConfigError says what is wrong");
    return std::nullopt;
  }
}

void check_toml_round_trip(const LoadResult& loaded) {
  // Secrets are described as comments that never load back as values (DESIGN.md §2): the round
  // trip holds for everything else.
  Settings without_secrets = loaded.settings;
  without_secrets.gemini.api_key.reset();
  without_secrets.server.auth_tokens.clear();
  const std::string described = describe(without_secrets);
  const fs::path path = temp_dir().root / "described.toml";
  write_file(path, described);
  const auto reloaded = try_load({"--config", path.string()}, {}, temp_dir().root);
  if (!reloaded) {
    std::fprintf(stderr, "describe() gave TOML that does not load:\n%s\n", described.c_str());
    try {
      load({"--config", path.string()}, {}, temp_dir().root);
    } catch (const ConfigError& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
  }
  FUZZ_CHECK(reloaded.has_value(), "describe() output loads back");
  FUZZ_CHECK(describe(reloaded->settings) == described, "describe() output loads back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  const TempDir& dir = temp_dir();

  // 1. A config.toml.
  const fs::path config = dir.root / "config.toml";
  write_file(config, input);
  if (const auto loaded = try_load({"--config", config.string()}, {}, dir.root)) {
    FUZZ_CHECK(loaded->config_file.has_value(), "the file read is reported");
    check_toml_round_trip(*loaded);
  }

  // 2. A .env file, then its variables as the environment.
  try {
    const Environment env = parse_dotenv(input, ".env");
    for (const auto& [name, value] : env) {
      FUZZ_CHECK(!name.empty() && !(name[0] >= '0' && name[0] <= '9'), "a variable name");
      for (char c : name) {
        FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '_',
                   "names are letters, digits and '_'");
      }
    }
    (void)try_load({}, env, dir.empty);
  } catch (const ConfigError&) {
  }

  // 3. ALLOWED_ORIGINS.
  try {
    for (const auto& origin : parse_origins(input, "ALLOWED_ORIGINS")) {
      FUZZ_CHECK(!origin.empty(), "no empty origin");
      FUZZ_CHECK(origin.front() != ' ' && origin.back() != ' ', "origins are trimmed");
    }
  } catch (const ConfigError&) {
  }

  // 4. A command line, one argument per line.
  std::vector<std::string> args;
  for (std::size_t start = 0; start < input.size();) {
    const auto end = std::min(input.find('\n', start), input.size());
    args.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  (void)try_load(args, {}, dir.empty);
  return 0;
}
