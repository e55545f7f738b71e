// Source-by-source assignment with the place of each value in every message.
#include "builder.hpp"

#include <utility>

#include "chatrelay/config/loader.hpp"

namespace chatrelay::config::detail {

void SettingsBuilder::begin_source(std::filesystem::path base_dir) {
  base_dir_ = std::move(base_dir);
  prompt_where_.clear();
  prompt_file_where_.clear();
}

void SettingsBuilder::assign(const Key& key, const Value& value, const std::string& where) {
  const bool is_prompt = key.section == "gemini" && key.name == "system_prompt";
  const bool is_prompt_file = key.section == "gemini" && key.name == "system_prompt_file";
  const std::string& other = is_prompt ? prompt_file_where_ : prompt_where_;
  if ((is_prompt || is_prompt_file) && !other.empty()) {
    throw ConfigError(where + ": cannot be combined with " + other +
                      "; set the prompt text or a prompt file, not both");
  }
  try {
    key.assign(key, settings_, value, base_dir_);
  } catch (const Rejected& e) {
    throw ConfigError(where + ": " + e.what());
  }
  origins_[key.path()] = where;
  if (is_prompt) prompt_where_ = where;
  if (is_prompt_file) prompt_file_where_ = where;
  prompt_given_ = prompt_given_ || is_prompt || is_prompt_file;
}

Settings SettingsBuilder::finish() && {
  if (!prompt_given_) settings_.gemini.system_prompt = default_system_prompt;
  return std::move(settings_);
}

}  // namespace chatrelay::config::detail
