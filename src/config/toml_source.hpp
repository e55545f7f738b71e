// The TOML side of the loader. toml++ is included by toml_source.cpp only: it is heavy to compile.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "builder.hpp"
#include "keys.hpp"

namespace chatrelay::config::detail {

// Reads the TOML file at `path` into `builder`, keys in file order; `display` names the file in
// messages ("config.toml:12: server.port: …"). Unknown sections and keys are errors.
// Throws ConfigError.
void apply_toml_file(SettingsBuilder& builder, const std::filesystem::path& path,
                     const std::string& display);

// One TOML value written as text, as in `--set server.port=9000`; nullopt when `text` is not a
// TOML value (a bare word, for instance).
std::optional<Value> parse_toml_value(std::string_view text);

}  // namespace chatrelay::config::detail
