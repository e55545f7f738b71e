// The command line, parsed but not yet applied: which action, which file, which settings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chatrelay/config/loader.hpp"
#include "keys.hpp"

namespace chatrelay::config::detail {

// One setting given on the command line.
struct FlagSetting {
  const Key* key = nullptr;
  std::string text;
  bool toml_text = false;  // from --set: TOML value syntax, bare words taken as strings
  std::string where;       // "--port", "--set server.port"
};

struct CommandLine {
  Action action = Action::run;
  std::optional<std::string> config_path;
  std::vector<FlagSetting> settings;  // in command-line order: a later one wins
};

// `args` excludes argv[0]. Accepts `--flag value` and `--flag=value`. Throws ConfigError.
CommandLine parse_command_line(const std::vector<std::string>& args);

}  // namespace chatrelay::config::detail
