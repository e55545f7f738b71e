// Source-by-source assignment with the place of each value in every message.
#include "builder.hpp"

#include <string>
#include <utility>

#include "chatrelay/config/loader.hpp"

namespace chatrelay::config::detail {
namespace {

// A turn the server accepts must fit in a session's history (DESIGN.md §2): the request's turns
// take at most server.max_body_bytes (each stored turn costs less than its JSON in the body), and
// the answer to them gets as much again. A session may not outgrow the whole store either.
void check_memory_budgets(const Settings& s) {
  const std::size_t session = s.memory.max_session_bytes;
  const std::size_t body = s.server.max_body_bytes;
  if (session / 2 < body) {
    throw ConfigError("memory.max_session_bytes = " + std::to_string(session) +
                      " is less than twice server.max_body_bytes = " + std::to_string(body) +
                      ": the largest message the server accepts, and an answer as long, must fit in one "
                      "session's history; raise memory.max_session_bytes to at least " +
                      std::to_string(2 * body) + " or lower server.max_body_bytes");
  }
  if (session > s.memory.max_bytes) {
    throw ConfigError("memory.max_session_bytes = " + std::to_string(session) +
                      " is more than memory.max_bytes = " + std::to_string(s.memory.max_bytes) +
                      ": one session cannot hold more than all of them; lower it or raise memory.max_bytes");
  }
}

}  // namespace

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
  check_memory_budgets(settings_);
  return std::move(settings_);
}

}  // namespace chatrelay::config::detail
