// Builds the effective Settings from defaults < TOML < .env < environment < flags (DESIGN.md §2).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chatrelay/config/settings.hpp"

namespace chatrelay::config {

// A configuration problem, already worded for the user: where, which key, what is allowed and what
// was given, e.g. "config.toml:12: server.port: expected an integer in 0..65535 (0 picks any free
// port) (got 70000)". main() prints it and exits with status 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the command line asked for besides settings.
enum class Action { run, check_config, help, version, healthcheck };

struct LoadResult {
  Settings settings;
  Action action = Action::run;
  std::optional<std::filesystem::path> config_file;  // the TOML file that was read, if any
  std::vector<std::string> sources;                   // e.g. "config.toml", ".env", "environment"
  // Where each key that a source set got its value, by path: "gemini.api_key" →
  // "environment variable GEMINI_API_KEY", "/srv/config.toml:12: gemini.api_key".
  std::map<std::string, std::string> origins;
};

using Environment = std::map<std::string, std::string>;

// Reads the process environment into a map (for load()).
Environment process_environment();

// Throws ConfigError. `args` excludes argv[0]. `cwd` is where ./config.toml and ./.env are looked
// for. Relative paths inside the TOML file (system_prompt_file, ca_file) resolve against the file's
// directory.
LoadResult load(const std::vector<std::string>& args, const Environment& env,
                const std::filesystem::path& cwd);

// Parses .env text: KEY=VALUE lines, `export ` prefix allowed, `#` comments, optional single or
// double quotes (double quotes understand \n \" \\). Throws ConfigError naming `origin` and line.
Environment parse_dotenv(std::string_view text, const std::string& origin);

// ALLOWED_ORIGINS: a JSON array of strings or a comma-separated list. Throws ConfigError.
std::vector<std::string> parse_origins(std::string_view text, const std::string& origin);

// The effective settings as TOML, for --check-config. A secret is never printed, not even masked:
// its line is a comment that cannot be pasted back as a value, saying whether it is set and
// where from, e.g. "# api_key = <set, 39 characters, from environment variable GEMINI_API_KEY>"
// (scripts/run looks for "# api_key = <set"). `origins` as in LoadResult.
std::string describe(const Settings& settings, const std::map<std::string, std::string>& origins = {});

// The environment variables that may carry a secret (GEMINI_API_KEY, ...): main() erases them
// from the process once the configuration is read.
std::vector<std::string> secret_environment_names();

// --help text.
std::string usage();

}  // namespace chatrelay::config
