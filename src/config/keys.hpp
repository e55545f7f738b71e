// The one declaration of every setting: TOML path, environment names, type, range, storage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chatrelay/config/settings.hpp"

namespace chatrelay::config::detail {

// Something TOML can hold that no key takes; `what` reads "a table", "a date", ...
struct Other {
  std::string what;
};

// A value as a source delivered it, before a key has accepted it.
using Value = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>, Other>;

// What a key wants, so environment and flag text can be converted before it is checked.
enum class Kind { boolean, integer, number, text, text_list };

// Thrown by Key::assign. The message says what is allowed and what was given, not where: the
// caller prefixes "file:line: section.key: ".
class Rejected : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Key;

// Checks `value`, normalises it and stores it in `settings`. Relative paths resolve against
// `base_dir`. Throws Rejected.
using Assign = void (*)(const Key& key, Settings& settings, const Value& value,
                        const std::filesystem::path& base_dir);
// The current value as a TOML literal, or nullopt when it is unset. For a secret key: what it
// looks like without any of its characters ("39 characters", "2 tokens").
using Show = std::optional<std::string> (*)(const Settings& settings);

struct Key {
  std::string_view section = {};  // "server"
  std::string_view name = {};     // "port"
  Kind kind = Kind::text;
  std::string_view allowed = {};  // worded for messages: "an integer in 0..65535"
  double min = 0;                    // numeric range, inclusive
  double max = 0;
  bool above_min = false;            // min itself excluded (timeouts must be > 0)
  std::string_view legacy_env = {};  // "PORT"; every key also has CHATRELAY_<SECTION>_<NAME>
  bool secret = false;               // never echoed, neither in messages nor in describe()
  std::string_view unset_note = {};  // describe() comment when show() gives nullopt
  Assign assign = nullptr;
  Show show = nullptr;

  std::string path() const;      // "server.port"
  std::string env_name() const;  // "CHATRELAY_SERVER_PORT"
};

// Every key, grouped by section, in the order describe() and config.toml.example use.
std::span<const Key> keys();
// The section names, in order.
std::span<const std::string_view> sections();
const Key* find_key(std::string_view section, std::string_view name);
// "server.port" → the key, or nullptr.
const Key* find_key(std::string_view path);

// Converts environment or flag text to the type `key` wants. Text that does not convert stays a
// string, so that assign() rejects it with the usual message. Throws ConfigError (from
// parse_origins) naming `where`.
Value from_text(const Key& key, std::string_view text, const std::string& where);

// How a value reads in messages: TOML syntax, strings quoted, long text shortened.
std::string describe_value(const Value& value);

// Wipes the text a value holds (core/secret.hpp): for values of secret keys, once assigned.
void wipe(Value& value);

}  // namespace chatrelay::config::detail
