// Walks a parsed TOML document against the key table, with file and line in every message.
#include "toml_source.hpp"

#include <algorithm>
#include <vector>

#include <toml++/toml.h>

#include "chatrelay/config/loader.hpp"
#include "chatrelay/core/secret.hpp"
#include "files.hpp"
#include "text.hpp"

namespace chatrelay::config::detail {
namespace {

constexpr std::size_t max_config_bytes = 4 * 1024 * 1024;

Value to_value(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return node.as_string()->get();
    case toml::node_type::integer: return node.as_integer()->get();
    case toml::node_type::floating_point: return node.as_floating_point()->get();
    case toml::node_type::boolean: return node.as_boolean()->get();
    case toml::node_type::array: {
      std::vector<std::string> items;
      for (const auto& item : *node.as_array()) {
        const auto* text = item.as_string();
        if (text == nullptr) return Other{"an array with a non-string item"};
        items.push_back(text->get());
      }
      return items;
    }
    case toml::node_type::table: return Other{"a table"};
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return Other{"a date or time"};
    case toml::node_type::none: break;
  }
  return Other{"nothing"};
}

// A table's entries in the order they appear in the file (toml++ keeps them sorted by name), so
// the first mistake in the file is the one reported.
std::vector<std::pair<const toml::key*, toml::node*>> in_file_order(toml::table& table) {
  std::vector<std::pair<const toml::key*, toml::node*>> entries;
  for (auto& [key, node] : table) entries.emplace_back(&key, &node);
  std::ranges::sort(entries, [](const auto& a, const auto& b) {
    const auto& pa = a.first->source().begin;
    const auto& pb = b.first->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  return entries;
}

// Wipes the strings of a parsed value (a secret's, once assigned).
void wipe_node(toml::node& node) {
  if (auto* text = node.as_string()) chatrelay::wipe(text->get());
  if (auto* array = node.as_array())
    for (auto& item : *array) wipe_node(item);
}

std::string list(std::span<const std::string_view> names) {
  std::string out;
  for (const auto name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

void apply_toml_file(SettingsBuilder& builder, const std::filesystem::path& path,
                     const std::string& display) {
  std::string text;
  try {
    text = read_text_file(path, max_config_bytes);
  } catch (const FileError& e) {
    throw ConfigError(e.what());
  }
  toml::table document;
  try {
    document = toml::parse(text, display);
  } catch (const toml::parse_error& e) {
    chatrelay::wipe(text);
    throw ConfigError(display + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": not valid TOML: " +
                      std::string(e.description()));
  }
  chatrelay::wipe(text);  // it may hold the key; the parsed document's copy is wiped below
  builder.begin_source(std::filesystem::absolute(path).parent_path());
  const auto at = [&](const auto& source_of) {
    return display + ":" + std::to_string(source_of.source().begin.line) + ": ";
  };
  for (const auto& [section_key, section_node] : in_file_order(document)) {
    const std::string section(section_key->str());
    const auto known = sections();
    if (std::ranges::find(known, section) == known.end()) {
      const auto guess = closest(section, known);
      throw ConfigError(at(*section_key) + section + ": unknown section" +
                        (guess.empty() ? "" : "; did you mean [" + std::string(guess) + "]?") +
                        " (sections are " + list(known) + ")");
    }
    auto* table = section_node->as_table();
    if (table == nullptr) {
      throw ConfigError(at(*section_key) + section + ": expected a table, written [" + section +
                        "] (got " + describe_value(to_value(*section_node)) + ")");
    }
    for (const auto& [key_name, node] : in_file_order(*table)) {
      const std::string name(key_name->str());
      const Key* key = find_key(section, name);
      if (key == nullptr) {
        std::vector<std::string_view> names;
        for (const Key& k : keys()) {
          if (k.section == section) names.push_back(k.name);
        }
        const auto guess = closest(name, names);
        throw ConfigError(at(*key_name) + section + "." + name + ": unknown key" +
                          (guess.empty() ? "" : "; did you mean " + std::string(guess) + "?") +
                          " ([" + section + "] keys are " + list(names) + ")");
      }
      Value value = to_value(*node);
      builder.assign(*key, value, at(*node) + key->path());
      if (key->secret) {
        wipe(value);
        wipe_node(*node);
      }
    }
  }
}

std::optional<Value> parse_toml_value(std::string_view text) {
  try {
    const toml::table table = toml::parse("v = " + std::string(text));
    const toml::node* node = table.get("v");
    if (table.size() != 1 || node == nullptr) return std::nullopt;
    return to_value(*node);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

}  // namespace chatrelay::config::detail
