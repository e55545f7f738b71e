// describe(): the effective settings as TOML that loads back to the same settings, secrets left out.
#include <optional>
#include <string>

#include "chatrelay/config/loader.hpp"
#include "keys.hpp"

namespace chatrelay::config {
namespace {

// "from environment variable GEMINI_API_KEY", "from config.toml:12" (a TOML place names the key
// again: dropped).
std::string origin_text(const detail::Key& key, const std::map<std::string, std::string>& origins) {
  const auto it = origins.find(key.path());
  if (it == origins.end()) return "";
  std::string where = it->second;
  if (const std::string suffix = ": " + key.path(); where.ends_with(suffix)) where.resize(where.size() - suffix.size());
  return ", from " + where;
}

}  // namespace

std::string describe(const Settings& settings, const std::map<std::string, std::string>& origins) {
  std::string out =
      "# chatrelay: effective configuration. Secrets are left out (their lines are comments); the\n"
      "# rest loads back with --config.\n";
  std::string_view section;
  for (const detail::Key& key : detail::keys()) {
    if (key.section != section) {
      section = key.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    const std::optional<std::string> shown = key.show(settings);
    if (!shown) {
      out += "# " + std::string(key.name) + " = (" + std::string(key.unset_note) + ")\n";
    } else if (key.secret) {
      out += "# " + std::string(key.name) + " = <set, " + *shown + origin_text(key, origins) + ">\n";
    } else {
      out += std::string(key.name) + " = " + *shown + "\n";
    }
  }
  return out;
}

std::vector<std::string> secret_environment_names() {
  std::vector<std::string> names;
  for (const detail::Key& key : detail::keys()) {
    if (!key.secret) continue;
    if (!key.legacy_env.empty()) names.emplace_back(key.legacy_env);
    names.push_back(key.env_name());
  }
  return names;
}

}  // namespace chatrelay::config
