// The generic halves of the key table: how booleans, numbers, texts and choices are checked,
// stored into Settings and shown back as TOML, and the helpers that declare such keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "chatrelay/core/secret.hpp"
#include "keys.hpp"
#include "text.hpp"

namespace chatrelay::config::detail {


// Throws Rejected: what the key allows and what was given (for a secret, only its shape).
[[noreturn]] void reject(const Key& key, const Value& value);

// ["a", "b"] as TOML writes an array of strings.
std::string toml_array(const std::vector<std::string>& items);

inline bool in_range(const Key& key, double v) {
  return std::isfinite(v) && (key.above_min ? v > key.min : v >= key.min) && v <= key.max;
}

template <typename T>
struct unwrap_optional {
  using type = T;
};
template <typename T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
};
template <typename T>
inline constexpr bool is_optional_v = !std::is_same_v<typename unwrap_optional<T>::type, T>;

// The field a key stores into: settings.*Section.*Field.
template <auto Section, auto Field>
auto& field(Settings& settings) {
  return settings.*Section.*Field;
}
template <auto Section, auto Field>
const auto& field(const Settings& settings) {
  return settings.*Section.*Field;
}

// Booleans, integers and numbers (plain or optional), range-checked against the key.
template <auto Section, auto Field>
void assign_plain(const Key& key, Settings& settings, const Value& value,
                  const std::filesystem::path&) {
  auto& target = field<Section, Field>(settings);
  using T = typename unwrap_optional<std::remove_cvref_t<decltype(target)>>::type;
  if constexpr (std::is_same_v<T, bool>) {
    if (const auto* b = std::get_if<bool>(&value)) {
      target = *b;
      return;
    }
  } else if constexpr (std::is_integral_v<T>) {
    if (const auto* i = std::get_if<std::int64_t>(&value); i && in_range(key, double(*i))) {
      target = static_cast<T>(*i);
      return;
    }
  } else {
    static_assert(std::is_floating_point_v<T>);
    std::optional<double> number;  // TOML integers are fine where a float is wanted
    if (const auto* i = std::get_if<std::int64_t>(&value)) number = double(*i);
    if (const auto* d = std::get_if<double>(&value)) number = *d;
    if (number && in_range(key, *number)) {
      target = *number;
      return;
    }
  }
  reject(key, value);
}

// Strings, checked and normalised by Accept; for optional fields "" means unset.
template <auto Section, auto Field, bool (*Accept)(std::string&)>
void assign_text(const Key& key, Settings& settings, const Value& value,
                 const std::filesystem::path&) {
  auto& target = field<Section, Field>(settings);
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) reject(key, value);
  std::string accepted = *text;
  if constexpr (is_optional_v<std::remove_cvref_t<decltype(target)>>) {
    if (accepted.empty()) {
      target.reset();
      return;
    }
  }
  if (!Accept(accepted)) {
    if (key.secret) chatrelay::wipe(accepted);
    reject(key, value);
  }
  if (key.secret) {  // the value a lower-precedence source gave
    if constexpr (is_optional_v<std::remove_cvref_t<decltype(target)>>) {
      if (target) chatrelay::wipe(*target);
    } else {
      chatrelay::wipe(target);
    }
  }
  target = std::move(accepted);
}

inline std::optional<std::string> literal(bool v) { return v ? "true" : "false"; }
inline std::optional<std::string> literal(double v) { return toml_float(v); }
inline std::optional<std::string> literal(const std::string& v) { return toml_string(v); }
template <typename T>
  requires std::is_integral_v<T>
std::optional<std::string> literal(T v) {
  return std::to_string(v);
}

template <auto Section, auto Field>
std::optional<std::string> show_plain(const Settings& settings) {
  const auto& value = field<Section, Field>(settings);
  if constexpr (is_optional_v<std::remove_cvref_t<decltype(value)>>) {
    if (!value) return std::nullopt;
    return literal(*value);
  } else {
    return literal(value);
  }
}

// Enumerations spelled as lower-case words; the index in Names is the enumerator's value.
template <auto Section, auto Field, const auto& Names>
void assign_choice(const Key& key, Settings& settings, const Value& value,
                   const std::filesystem::path&) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    const auto it = std::ranges::find(Names, to_lower(*text));
    if (it != Names.end()) {
      using E = std::remove_cvref_t<decltype(field<Section, Field>(settings))>;
      field<Section, Field>(settings) = static_cast<E>(it - Names.begin());
      return;
    }
  }
  reject(key, value);
}

template <auto Section, auto Field, const auto& Names>
std::optional<std::string> show_choice(const Settings& settings) {
  return quote(Names.at(static_cast<std::size_t>(field<Section, Field>(settings))));
}

// A key stored and shown as it is: its assign and show are the generic ones for its field.
template <auto Section, auto Field>
constexpr Key plain(Key key) {
  key.assign = assign_plain<Section, Field>;
  key.show = show_plain<Section, Field>;
  return key;
}

// A text key checked and normalised by Accept, shown as it is.
template <auto Section, auto Field, bool (*Accept)(std::string&)>
constexpr Key text(Key key) {
  key.assign = assign_text<Section, Field, Accept>;
  if (key.show == nullptr) key.show = show_plain<Section, Field>;
  return key;
}

// A key that takes one of Names.
template <auto Section, auto Field, const auto& Names>
constexpr Key choice(Key key) {
  key.assign = assign_choice<Section, Field, Names>;
  key.show = show_choice<Section, Field, Names>;
  return key;
}

}  // namespace chatrelay::config::detail
