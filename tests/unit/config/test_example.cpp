// config.toml.example at the top of the tree loads cleanly and documents the real defaults.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

namespace {

std::filesystem::path example_path() {
  const char* root = std::getenv("CHATRELAY_SOURCE_ROOT");
  REQUIRE(root != nullptr);  // set by tests/unit/config/meson.build
  return std::filesystem::path(root) / "config.toml.example";
}

}  // namespace

TEST_CASE("config.toml.example loads and equals the built-in defaults") {
  TempDir dir;
  const LoadResult from_example =
      config_test::load_in(dir, {"--config", example_path().string()});
  CHECK(from_example.config_file == example_path());
  CHECK(describe(from_example.settings) == describe(config_test::load_in(dir).settings));
}

TEST_CASE("config.toml.example mentions every key with its environment variable") {
  std::ifstream in(example_path());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string described = describe(Settings{});
  std::istringstream lines(described);
  for (std::string line; std::getline(lines, line);) {
    // "name = value" or "# name = (...)" lines of describe() name every key.
    std::string name = line.starts_with("# ") ? line.substr(2) : line;
    const auto eq = name.find(" = ");
    if (eq == std::string::npos || line.starts_with("# chatrelay")) continue;
    name = name.substr(0, eq);
    INFO(name);
    CHECK_THAT(text, Catch::Contains(name + " = "));
  }
  for (const char* section : {"server", "gemini", "memory", "log"}) {
    CHECK_THAT(text, Catch::Contains(std::string("[") + section + "]"));
  }
  CHECK_THAT(text, Catch::Contains("CHATRELAY_SERVER_MAX_BODY_BYTES"));
  CHECK_THAT(text, Catch::Contains("CHATRELAY_GEMINI_POOL_SIZE"));
  CHECK_THAT(text, Catch::Contains("CHATRELAY_MEMORY_SESSION_TTL_S"));
  CHECK_THAT(text, Catch::Contains("CHATRELAY_LOG_FORMAT"));
}

TEST_CASE("config.toml.example says what base_url accepts, as the loader does") {
  std::ifstream in(example_path());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  CHECK_THAT(text, !Catch::Contains("http:// is accepted"));
  CHECK_THAT(text, Catch::Contains("http:// is refused"));
  TempDir dir;
  CHECK_THAT(config_test::load_error(dir, {}, {{"GEMINI_BASE_URL", "http://127.0.0.1:8080"}}),
             Catch::Contains("http:// is refused"));
}
