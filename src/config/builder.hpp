// Applies settings source by source, lowest precedence first, and keeps the rules that span keys.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "chatrelay/config/settings.hpp"
#include "keys.hpp"

namespace chatrelay::config::detail {

class SettingsBuilder {
 public:
  // Starts the next source (TOML file, .env, environment, command line); relative paths it
  // gives resolve against `base_dir`.
  void begin_source(std::filesystem::path base_dir);

  // Checks and stores one value. `where` names the place for messages, e.g.
  // "config.toml:12: server.port" or "environment variable PORT". Throws ConfigError.
  void assign(const Key& key, const Value& value, const std::string& where);

  // Where each key's value came from (its last `where`), by path ("gemini.api_key").
  const std::map<std::string, std::string>& origins() const { return origins_; }

  // The result, with the default system prompt when no source set one.
  Settings finish() &&;

 private:
  Settings settings_;
  std::map<std::string, std::string> origins_;
  std::filesystem::path base_dir_;
  // Where the current source set the prompt text and the prompt file: one source may not set
  // both, while a later source setting either replaces what an earlier one set.
  std::string prompt_where_;
  std::string prompt_file_where_;
  bool prompt_given_ = false;
};

}  // namespace chatrelay::config::detail
