// describe(): the effective settings as TOML that loads back to the same settings, secrets masked.
#include <optional>
#include <string>

#include "chatrelay/config/loader.hpp"
#include "keys.hpp"

namespace chatrelay::config {

std::string describe(const Settings& settings) {
  std::string out =
      "# chatrelay: effective configuration. Secrets are masked; the rest loads back with "
      "--config.\n";
  std::string_view section;
  for (const detail::Key& key : detail::keys()) {
    if (key.section != section) {
      section = key.section;
      out += "\n[" + std::string(section) + "]\n";
    }
    const std::optional<std::string> literal = key.show(settings);
    if (!literal) {
      out += "# " + std::string(key.name) + " = (" + std::string(key.unset_note) + ")\n";
    } else {
      out += std::string(key.name) + " = " + (key.secret ? "\"***\"" : *literal) + "\n";
    }
  }
  return out;
}

}  // namespace chatrelay::config
