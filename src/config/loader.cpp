// load(): defaults < TOML file < ./.env < environment < command line, each source applied in turn.
#include "chatrelay/config/loader.hpp"

#include <unistd.h>

#include <system_error>

#include "args.hpp"
#include "chatrelay/core/secret.hpp"
#include "builder.hpp"
#include "files.hpp"
#include "keys.hpp"
#include "text.hpp"
#include "toml_source.hpp"

namespace chatrelay::config {
namespace {

using namespace detail;

constexpr std::size_t max_dotenv_bytes = 1024 * 1024;

// The key a CHATRELAY_<SECTION>_<KEY> name stands for; nullptr for names outside the four
// sections (CHATRELAY_TEST_DATA and friends belong to others). Throws ConfigError for a name
// inside a section that matches no key, which is nearly always a typo.
const Key* find_env_key(const std::string& name, const std::string& where) {
  for (const auto section : sections()) {
    const std::string prefix = "CHATRELAY_" + to_upper(section) + "_";
    if (!name.starts_with(prefix)) continue;
    std::vector<std::string> names;
    for (const Key& key : keys()) {
      if (key.section != section) continue;
      if (key.env_name() == name) return &key;
      names.push_back(key.env_name());
    }
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    const auto guess = closest(name, candidates);
    throw ConfigError(where + ": unknown setting" +
                      (guess.empty() ? "" : "; did you mean " + std::string(guess) + "?") +
                      " (every key is listed in config.toml.example)");
  }
  return nullptr;
}

// Applies the variables that name settings; others are not ours. An empty value counts as unset,
// as container tools pass `VAR=` for variables the user left blank. Returns whether any applied.
bool apply_environment(SettingsBuilder& builder, const Environment& env,
                       const std::string& where_prefix) {
  bool applied = false;
  const auto apply = [&](const Key& key, const std::string& name, const std::string& text) {
    if (text.empty()) return;
    const std::string where = where_prefix + name;
    Value value = from_text(key, text, where);
    builder.assign(key, value, where);
    if (key.secret) wipe(value);
    applied = true;
  };
  // The short names first, so that CHATRELAY_<SECTION>_<KEY> wins when both are set.
  for (const Key& key : keys()) {
    if (key.legacy_env.empty()) continue;
    const std::string name(key.legacy_env);
    if (const auto it = env.find(name); it != env.end()) apply(key, name, it->second);
  }
  for (const auto& [name, text] : env) {
    if (const Key* key = find_env_key(name, where_prefix + name)) apply(*key, name, text);
  }
  return applied;
}

// A --set value: TOML syntax, but a bare word is a string, and text keys take any text as is.
Value set_value(const Key& key, const std::string& text, const std::string& where) {
  const std::optional<Value> parsed = parse_toml_value(text);
  if (!parsed) return from_text(key, text, where);
  if (const auto* s = std::get_if<std::string>(&*parsed)) {
    if (key.kind == Kind::text_list) return parse_origins(*s, where);
    return *parsed;
  }
  if (key.kind == Kind::text) return std::string(trim(text));
  return *parsed;
}

}  // namespace

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    // The first of duplicate entries wins, as with getenv().
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

LoadResult load(const std::vector<std::string>& args, const Environment& env,
                const std::filesystem::path& cwd) {
  const CommandLine command_line = parse_command_line(args);
  LoadResult result;
  result.action = command_line.action;
  SettingsBuilder builder;
  // --help and --version must work even when the configuration is broken.
  if (result.action == Action::help || result.action == Action::version) {
    result.settings = std::move(builder).finish();
    return result;
  }
  const std::filesystem::path base = std::filesystem::absolute(cwd).lexically_normal();

  std::error_code ec;
  if (command_line.config_path) {
    const auto path = (base / *command_line.config_path).lexically_normal();
    if (!std::filesystem::exists(path, ec)) {
      throw ConfigError("--config " + *command_line.config_path + ": no such file (looked for " +
                        path.string() + ")");
    }
    apply_toml_file(builder, path, *command_line.config_path);
    result.config_file = path;
    result.sources.push_back(*command_line.config_path);
  } else if (const auto path = base / "config.toml"; std::filesystem::exists(path, ec)) {
    apply_toml_file(builder, path, path.string());
    result.config_file = path;
    result.sources.push_back(path.string());
  }

  if (const auto path = base / ".env"; std::filesystem::exists(path, ec)) {
    std::string text;
    try {
      text = read_text_file(path, max_dotenv_bytes);
    } catch (const FileError& e) {
      throw ConfigError(e.what());
    }
    builder.begin_source(base);
    Environment dotenv = parse_dotenv(text, path.string());
    chatrelay::wipe(text);  // it may hold the key: no copy lingers in freed memory
    apply_environment(builder, dotenv, path.string() + ": ");
    for (auto& [name, value] : dotenv) chatrelay::wipe(value);
    result.sources.push_back(path.string());
  }

  builder.begin_source(base);
  if (apply_environment(builder, env, "environment variable ")) {
    result.sources.emplace_back("environment");
  }

  builder.begin_source(base);
  for (const FlagSetting& flag : command_line.settings) {
    const Value value = flag.toml_text ? set_value(*flag.key, flag.text, flag.where)
                                       : from_text(*flag.key, flag.text, flag.where);
    builder.assign(*flag.key, value, flag.where);
  }
  if (!command_line.settings.empty()) result.sources.emplace_back("command line");

  result.origins = builder.origins();
  result.settings = std::move(builder).finish();
  return result;
}

}  // namespace chatrelay::config
