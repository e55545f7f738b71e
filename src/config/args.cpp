// Command-line flags: a few named shortcuts plus --set for any key.
#include "args.hpp"

#include <algorithm>
#include <array>

#include "text.hpp"

namespace chatrelay::config::detail {
namespace {

struct Option {
  std::string_view name;
  std::string_view key_path;  // the setting a shortcut flag stands for
  bool takes_value;
  Action action = Action::run;
};

constexpr std::array options = {
    Option{"--config", "", true},
    Option{"--host", "server.host", true},
    Option{"--port", "server.port", true},
    Option{"--model", "gemini.model", true},
    Option{"--log-level", "log.level", true},
    Option{"--log-format", "log.format", true},
    Option{"--set", "", true},
    Option{"--check-config", "", false, Action::check_config},
    Option{"--healthcheck", "", false, Action::healthcheck},
    Option{"--version", "", false, Action::version},
    Option{"--help", "", false, Action::help},
    Option{"-h", "", false, Action::help},
};

// When several actions are asked for, the one that needs the least wins: help, then version.
int rank(Action action) {
  switch (action) {
    case Action::help: return 4;
    case Action::version: return 3;
    case Action::check_config: return 2;
    case Action::healthcheck: return 1;
    case Action::run: break;
  }
  return 0;
}

FlagSetting parse_set(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) {
    throw ConfigError("--set expects SECTION.KEY=VALUE, e.g. --set server.port=9000 (got " +
                      quote(text) + ")");
  }
  const std::string path(trim(std::string_view(text).substr(0, eq)));
  const Key* key = find_key(path);
  if (key == nullptr) {
    std::vector<std::string> paths;
    for (const Key& k : keys()) paths.push_back(k.path());
    const std::vector<std::string_view> names(paths.begin(), paths.end());
    const auto guess = closest(path, names);
    throw ConfigError("--set " + path + ": unknown key" +
                      (guess.empty() ? "" : "; did you mean " + std::string(guess) + "?") +
                      " (every key is listed in config.toml.example)");
  }
  if (key->secret) {
    // The command line is world-readable (ps, /proc/PID/cmdline) and lands in shell history.
    std::string env = key->env_name();
    if (!key->legacy_env.empty()) env = std::string(key->legacy_env) + " or " + env;
    throw ConfigError("--set " + key->path() + ": refused: a secret on the command line would show in `ps` "
                      "to every user of the machine; set it in the environment (" + env +
                      "), in ./.env, or in the TOML file");
  }
  return {key, text.substr(eq + 1), true, "--set " + key->path()};
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine result;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with('-') || arg == "-") {
      throw ConfigError("unexpected argument " + quote(arg) +
                        "; run chatrelay --help for the options");
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const auto option = std::ranges::find(options, name, &Option::name);
    if (option == options.end()) {
      std::vector<std::string_view> names;
      for (const auto& o : options) names.push_back(o.name);
      const auto guess = closest(name, names);
      throw ConfigError("unknown option " + name +
                        (guess.empty() ? "" : "; did you mean " + std::string(guess) + "?") +
                        " (run chatrelay --help for the options)");
    }
    if (!option->takes_value) {
      if (value) throw ConfigError(name + " takes no value (got " + quote(*value) + ")");
      if (rank(option->action) > rank(result.action)) result.action = option->action;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size() || args[i + 1].starts_with("--")) {
        throw ConfigError(name + " needs a value; run chatrelay --help for the options");
      }
      value = args[++i];
    }
    if (name == "--config") {
      result.config_path = *value;
    } else if (name == "--set") {
      result.settings.push_back(parse_set(*value));
    } else {
      result.settings.push_back({find_key(option->key_path), *value, false, name});
    }
  }
  return result;
}

}  // namespace chatrelay::config::detail
