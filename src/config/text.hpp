// Small text helpers shared by the loader's messages and describe(): quoting, TOML literals, typos.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace chatrelay::config::detail {

// A one-line TOML basic string: "a \"b\"\n".
std::string quote(std::string_view text);
// A TOML string literal; text with line breaks becomes a """ string that keeps them readable.
std::string toml_string(std::string_view text);
// A TOML float literal: "10.0", never "10", which TOML reads as an integer.
std::string toml_float(double value);

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

// The candidate closest to `word` when `word` is plausibly a typo of it, else empty.
std::string_view closest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace chatrelay::config::detail
