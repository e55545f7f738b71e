// The key table: each setting declared once with its type, range, environment name and storage.
#include "keys.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <type_traits>

#include "chatrelay/config/loader.hpp"
#include "chatrelay/config/redis_url.hpp"
#include "chatrelay/core/secret.hpp"
#include "files.hpp"
#include "text.hpp"

namespace chatrelay::config::detail {
namespace {

constexpr std::size_t max_prompt_file_bytes = 1024 * 1024;

// --- checks and normalisation of text values -----------------------------------------------------

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc{} && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

// host[:port] as in a URL: a name or IPv4 address, or an IPv6 address in brackets.
bool valid_authority(std::string_view authority) {
  std::string_view host = authority;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && (rest[0] != ':' || !valid_port(rest.substr(1)))) return false;
    return !host.empty() && std::ranges::all_of(host, [](char c) {
      return is_alnum(c) || c == ':' || c == '.';
    });
  }
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    if (!valid_port(authority.substr(colon + 1))) return false;
    host = authority.substr(0, colon);
  }
  return !host.empty() && std::ranges::all_of(host, [](char c) {
    return is_alnum(c) || c == '-' || c == '.' || c == '_';
  });
}

// "*" or scheme://host[:port], as a browser sends it in Origin; lower-cased to compare equal.
bool accept_origin(std::string& origin) {
  if (origin == "*") return true;
  const auto sep = origin.find("://");
  if (sep == std::string::npos || sep == 0) return false;
  const std::string_view scheme = std::string_view(origin).substr(0, sep);
  const bool scheme_ok = is_alpha(scheme[0]) &&
                         std::ranges::all_of(scheme, [](char c) {
                           return is_alnum(c) || c == '+' || c == '-' || c == '.';
                         });
  if (!scheme_ok || !valid_authority(std::string_view(origin).substr(sep + 3))) return false;
  origin = to_lower(origin);
  return true;
}

bool accept_base_url(std::string& url) {
  const std::string lower = to_lower(url);
  std::size_t scheme_end = 0;
  // Gemini is only spoken over TLS (the fake upstream is a TLS server too).
  if (!lower.starts_with("https://")) return false;
  scheme_end = 8;
  const std::string_view rest = std::string_view(url).substr(scheme_end);
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (!valid_authority(authority)) return false;
  const bool path_ok = std::ranges::none_of(path, [](char c) {
    return c == '?' || c == '#' || static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  if (!path_ok) return false;
  while (path.ends_with('/')) path.remove_suffix(1);
  url = lower.substr(0, scheme_end) + to_lower(authority) + std::string(path);
  return true;
}

bool accept_host(std::string& host) {
  // "[::1]" is how people write IPv6 in URLs; the listener wants the bare address.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return !host.empty() && std::ranges::all_of(host, [](char c) {
    return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
  });
}

bool accept_model(std::string& model) {
  // Google's own docs and responses write "models/gemini-…"; the client adds that part itself.
  if (model.starts_with("models/")) model.erase(0, 7);
  return !model.empty() && model.size() <= 128 && std::ranges::all_of(model, [](char c) {
    return is_alnum(c) || c == '.' || c == '-' || c == '_';
  });
}

bool accept_api_key(std::string& key) {
  return key.size() <= 512 && std::ranges::all_of(key, [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

bool accept_redis_url(std::string& url) {
  const auto parsed = parse_redis_url(url);
  return parsed && !parsed->tls;  // rediss:// is refused until the client speaks TLS
}

bool accept_redis_prefix(std::string& prefix) {
  return prefix.size() <= 64 && std::ranges::all_of(prefix, [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

// --- generic assign / show -----------------------------------------------------------------------

// What a secret looked like, without any of its characters.
std::string shape(const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    return "a string of " + std::to_string(s->size()) + " characters";
  }
  if (std::holds_alternative<std::vector<std::string>>(value)) return "an array";
  if (std::holds_alternative<bool>(value)) return "a boolean";
  if (const auto* other = std::get_if<Other>(&value)) return other->what;
  return "a number";
}

[[noreturn]] void reject(const Key& key, const Value& value) {
  throw Rejected("expected " + std::string(key.allowed) + " (got " +
                 (key.secret ? shape(value) : describe_value(value)) + ")");
}

bool in_range(const Key& key, double v) {
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

std::optional<std::string> literal(bool v) { return v ? "true" : "false"; }
std::optional<std::string> literal(double v) { return toml_float(v); }
std::optional<std::string> literal(const std::string& v) { return toml_string(v); }
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
constexpr std::array<std::string_view, 5> level_names = {"debug", "info", "warn", "error", "off"};
constexpr std::array<std::string_view, 2> format_names = {"text", "json"};
constexpr std::array<std::string_view, 2> store_names = {"memory", "redis"};

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

// --- keys with their own rules -------------------------------------------------------------------

void assign_origins(const Key& key, Settings& settings, const Value& value,
                    const std::filesystem::path&) {
  const auto* list = std::get_if<std::vector<std::string>>(&value);
  if (list == nullptr) reject(key, value);
  std::vector<std::string> origins;
  for (std::string origin : *list) {
    if (!accept_origin(origin)) reject(key, origin);
    origins.push_back(std::move(origin));
  }
  settings.server.allowed_origins = std::move(origins);
}

// ["a", "b"] as TOML writes an array of strings.
std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ", ";
    out += quote(item);
  }
  return out + "]";
}

std::optional<std::string> show_origins(const Settings& settings) {
  return toml_array(settings.server.allowed_origins);
}

void assign_tokens(const Key& key, Settings& settings, const Value& value,
                   const std::filesystem::path&) {
  const auto* list = std::get_if<std::vector<std::string>>(&value);
  if (list == nullptr) reject(key, value);
  std::vector<std::string> tokens;
  for (const std::string& token : *list) {
    const bool ok = token.size() >= 16 && token.size() <= 512 &&
                    std::ranges::all_of(token, [](char c) { return c > 0x20 && c < 0x7f; });
    if (!ok) reject(key, token);
    tokens.push_back(token);
  }
  settings.server.auth_tokens = std::move(tokens);
}

std::optional<std::string> show_tokens(const Settings& settings) {
  const auto n = settings.server.auth_tokens.size();
  if (n == 0) return std::nullopt;
  return std::to_string(n) + (n == 1 ? " token" : " tokens");
}

void assign_models(const Key& key, Settings& settings, const Value& value,
                   const std::filesystem::path&) {
  const auto* list = std::get_if<std::vector<std::string>>(&value);
  if (list == nullptr || list->empty()) reject(key, value);
  std::vector<std::string> models;
  for (std::string model : *list) {
    if (!accept_model(model)) reject(key, model);
    if (std::ranges::find(models, model) == models.end()) models.push_back(std::move(model));
  }
  settings.gemini.models = std::move(models);
}

std::optional<std::string> show_models(const Settings& settings) {
  if (settings.gemini.models.empty()) return std::nullopt;
  return toml_array(settings.gemini.models);
}

// The URL without its password.
std::optional<std::string> show_redis_url(const Settings& settings) {
  const auto parsed = parse_redis_url(settings.memory.redis_url);
  return parsed ? redacted(*parsed) : "an invalid URL";
}

std::optional<std::string> show_api_key(const Settings& settings) {
  if (!settings.gemini.api_key) return std::nullopt;
  return std::to_string(settings.gemini.api_key->size()) + " characters";
}

void assign_ca_file(const Key& key, Settings& settings, const Value& value,
                    const std::filesystem::path& base_dir) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) reject(key, value);
  if (text->empty()) {
    settings.gemini.ca_file.reset();
    return;
  }
  const auto path = (base_dir / *text).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Rejected("expected " + std::string(key.allowed) + " (got " + quote(*text) +
                   ": no such file " + path.string() + ")");
  }
  settings.gemini.ca_file = path.string();
}

// Setting the prompt text replaces a prompt file set by a lower-precedence source.
void assign_prompt(const Key& key, Settings& settings, const Value& value,
                   const std::filesystem::path&) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) reject(key, value);
  settings.gemini.system_prompt = *text;
  settings.gemini.system_prompt_file.reset();
}

std::optional<std::string> show_prompt(const Settings& settings) {
  if (settings.gemini.system_prompt_file) return std::nullopt;
  return toml_string(settings.gemini.system_prompt);
}

// The file is read now, so a wrong path stops the start-up with the place it was set.
void assign_prompt_file(const Key& key, Settings& settings, const Value& value,
                        const std::filesystem::path& base_dir) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr || text->empty()) reject(key, value);
  const auto path = (base_dir / *text).lexically_normal();
  try {
    settings.gemini.system_prompt = read_text_file(path, max_prompt_file_bytes);
  } catch (const FileError& e) {
    throw Rejected("expected " + std::string(key.allowed) + " (got " + quote(*text) + ": " +
                   e.what() + ")");
  }
  settings.gemini.system_prompt_file = path.string();
}

// --- the table -----------------------------------------------------------------------------------

constexpr auto server = &Settings::server;
constexpr auto gemini = &Settings::gemini;
constexpr auto memory = &Settings::memory;
constexpr auto logging = &Settings::log;
using S = ServerSettings;
using G = GeminiSettings;
using M = MemorySettings;

constexpr std::string_view seconds = "a number of seconds, more than 0 and at most 86400";

constexpr std::array<std::string_view, 4> section_names = {"server", "gemini", "memory", "log"};

const Key table[] = {
    {.section = "server", .name = "host", .kind = Kind::text,
     .allowed = "a host name or IP address to listen on, such as 0.0.0.0, 127.0.0.1, :: or "
                "localhost",
     .legacy_env = "HOST", .assign = assign_text<server, &S::host, accept_host>,
     .show = show_plain<server, &S::host>},
    {.section = "server", .name = "port", .kind = Kind::integer,
     .allowed = "an integer in 0..65535 (0 picks any free port)", .min = 0, .max = 65535,
     .legacy_env = "PORT", .assign = assign_plain<server, &S::port>,
     .show = show_plain<server, &S::port>},
    {.section = "server", .name = "allowed_origins", .kind = Kind::text_list,
     .allowed = "an array of \"*\" or origins like \"https://app.example.com\" or "
                "\"http://localhost:5173\" (scheme://host[:port], no path)",
     .legacy_env = "ALLOWED_ORIGINS", .assign = assign_origins, .show = show_origins},
    {.section = "server", .name = "max_body_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1024..1073741824 (1 KiB to 1 GiB)", .min = 1024,
     .max = 1073741824, .assign = assign_plain<server, &S::max_body_bytes>,
     .show = show_plain<server, &S::max_body_bytes>},
    {.section = "server", .name = "max_header_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1024..1048576 (1 KiB to 1 MiB)", .min = 1024, .max = 1048576,
     .assign = assign_plain<server, &S::max_header_bytes>,
     .show = show_plain<server, &S::max_header_bytes>},
    {.section = "server", .name = "max_connections", .kind = Kind::integer,
     .allowed = "an integer in 1..1000000", .min = 1, .max = 1000000,
     .assign = assign_plain<server, &S::max_connections>,
     .show = show_plain<server, &S::max_connections>},
    {.section = "server", .name = "header_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<server, &S::header_timeout_s>,
     .show = show_plain<server, &S::header_timeout_s>},
    {.section = "server", .name = "body_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<server, &S::body_timeout_s>,
     .show = show_plain<server, &S::body_timeout_s>},
    {.section = "server", .name = "idle_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<server, &S::idle_timeout_s>,
     .show = show_plain<server, &S::idle_timeout_s>},
    {.section = "server", .name = "write_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<server, &S::write_timeout_s>,
     .show = show_plain<server, &S::write_timeout_s>},
    {.section = "server", .name = "shutdown_grace_s", .kind = Kind::number,
     .allowed = "a number of seconds in 0..86400", .min = 0, .max = 86400,
     .assign = assign_plain<server, &S::shutdown_grace_s>,
     .show = show_plain<server, &S::shutdown_grace_s>},
    {.section = "server", .name = "auth_tokens", .kind = Kind::text_list,
     .allowed = "an array of bearer tokens, each 16..512 printable characters without spaces",
     .secret = true, .unset_note = "none: no authentication", .assign = assign_tokens,
     .show = show_tokens},
    {.section = "server", .name = "ip_rate_per_s", .kind = Kind::number,
     .allowed = "requests per second per client IP in 0..100000 (0 = no limit)", .min = 0,
     .max = 100000, .assign = assign_plain<server, &S::ip_rate_per_s>,
     .show = show_plain<server, &S::ip_rate_per_s>},
    {.section = "server", .name = "ip_burst", .kind = Kind::number,
     .allowed = "a burst size in 1..1000000", .min = 1, .max = 1000000,
     .assign = assign_plain<server, &S::ip_burst>, .show = show_plain<server, &S::ip_burst>},
    {.section = "server", .name = "session_rate_per_s", .kind = Kind::number,
     .allowed = "chat turns per second per session in 0..1000 (0 = no limit)", .min = 0,
     .max = 1000, .assign = assign_plain<server, &S::session_rate_per_s>,
     .show = show_plain<server, &S::session_rate_per_s>},
    {.section = "server", .name = "session_burst", .kind = Kind::number,
     .allowed = "a burst size in 1..1000", .min = 1, .max = 1000,
     .assign = assign_plain<server, &S::session_burst>,
     .show = show_plain<server, &S::session_burst>},
    {.section = "server", .name = "max_streams_per_ip", .kind = Kind::integer,
     .allowed = "an integer in 0..1000000 (0 = no cap)", .min = 0, .max = 1000000,
     .assign = assign_plain<server, &S::max_streams_per_ip>,
     .show = show_plain<server, &S::max_streams_per_ip>},
    {.section = "server", .name = "metrics", .kind = Kind::boolean,
     .allowed = "true or false", .assign = assign_plain<server, &S::metrics>,
     .show = show_plain<server, &S::metrics>},
    {.section = "server", .name = "metrics_port", .kind = Kind::integer,
     .allowed = "an integer in 0..65535 (0 = serve /metrics on the main port)", .min = 0,
     .max = 65535, .assign = assign_plain<server, &S::metrics_port>,
     .show = show_plain<server, &S::metrics_port>},
    {.section = "server", .name = "metrics_host", .kind = Kind::text,
     .allowed = "a host name or IP address for the metrics listener, such as 127.0.0.1 or 0.0.0.0",
     .assign = assign_text<server, &S::metrics_host, accept_host>,
     .show = show_plain<server, &S::metrics_host>},
    {.section = "server", .name = "ui", .kind = Kind::boolean,
     .allowed = "true or false", .assign = assign_plain<server, &S::ui>,
     .show = show_plain<server, &S::ui>},
    {.section = "server", .name = "reuse_port", .kind = Kind::boolean,
     .allowed = "true or false", .assign = assign_plain<server, &S::reuse_port>,
     .show = show_plain<server, &S::reuse_port>},

    {.section = "gemini", .name = "api_key", .kind = Kind::text,
     .allowed = "an API key without spaces or control characters, at most 512 characters",
     .legacy_env = "GEMINI_API_KEY", .secret = true, .unset_note = "not set",
     .assign = assign_text<gemini, &G::api_key, accept_api_key>, .show = show_api_key},
    {.section = "gemini", .name = "model", .kind = Kind::text,
     .allowed = "a model name of letters, digits, '.', '-' and '_', such as gemini-2.5-flash",
     .legacy_env = "GEMINI_MODEL", .assign = assign_text<gemini, &G::model, accept_model>,
     .show = show_plain<gemini, &G::model>},
    {.section = "gemini", .name = "models", .kind = Kind::text_list,
     .allowed = "a non-empty array of model names like \"gemini-2.5-flash\" (letters, digits, '.', "
                "'-' and '_')",
     .unset_note = "not set: [model], the model above", .assign = assign_models, .show = show_models},
    {.section = "gemini", .name = "base_url", .kind = Kind::text,
     .allowed = "an https:// URL with a host and no query, such as "
                "https://generativelanguage.googleapis.com (http:// is refused: Gemini is spoken "
                "over TLS only)",
     .legacy_env = "GEMINI_BASE_URL", .assign = assign_text<gemini, &G::base_url, accept_base_url>,
     .show = show_plain<gemini, &G::base_url>},
    {.section = "gemini", .name = "ca_file", .kind = Kind::text,
     .allowed = "the path of an existing PEM file of CA certificates, or \"\" for the system "
                "trust store",
     .legacy_env = "GEMINI_CA_FILE", .unset_note = "not set: the system trust store",
     .assign = assign_ca_file, .show = show_plain<gemini, &G::ca_file>},
    {.section = "gemini", .name = "system_prompt", .kind = Kind::text, .allowed = "a string",
     .unset_note = "taken from system_prompt_file", .assign = assign_prompt,
     .show = show_prompt},
    {.section = "gemini", .name = "system_prompt_file", .kind = Kind::text,
     .allowed = "the path of a readable text file of at most 1 MiB", .unset_note = "not set",
     .assign = assign_prompt_file, .show = show_plain<gemini, &G::system_prompt_file>},
    {.section = "gemini", .name = "temperature", .kind = Kind::number,
     .allowed = "a number in 0..2", .min = 0, .max = 2,
     .unset_note = "not set: the model's default", .assign = assign_plain<gemini, &G::temperature>,
     .show = show_plain<gemini, &G::temperature>},
    {.section = "gemini", .name = "max_output_tokens", .kind = Kind::integer,
     .allowed = "an integer in 1..1048576", .min = 1, .max = 1048576,
     .unset_note = "not set: the model's default",
     .assign = assign_plain<gemini, &G::max_output_tokens>,
     .show = show_plain<gemini, &G::max_output_tokens>},
    {.section = "gemini", .name = "thinking_budget", .kind = Kind::integer,
     .allowed = "an integer in -1..32768 (-1 = dynamic, 0 = off where the model allows it)",
     .min = -1, .max = 32768, .unset_note = "not set: the model's default",
     .assign = assign_plain<gemini, &G::thinking_budget>,
     .show = show_plain<gemini, &G::thinking_budget>},
    {.section = "gemini", .name = "include_thoughts", .kind = Kind::boolean,
     .allowed = "true or false", .assign = assign_plain<gemini, &G::include_thoughts>,
     .show = show_plain<gemini, &G::include_thoughts>},
    {.section = "gemini", .name = "connect_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<gemini, &G::connect_timeout_s>,
     .show = show_plain<gemini, &G::connect_timeout_s>},
    {.section = "gemini", .name = "first_byte_timeout_s", .kind = Kind::number,
     .allowed = seconds, .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<gemini, &G::first_byte_timeout_s>,
     .show = show_plain<gemini, &G::first_byte_timeout_s>},
    {.section = "gemini", .name = "idle_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true,
     .assign = assign_plain<gemini, &G::idle_timeout_s>,
     .show = show_plain<gemini, &G::idle_timeout_s>},
    {.section = "gemini", .name = "max_retries", .kind = Kind::integer,
     .allowed = "an integer in 0..10", .min = 0, .max = 10,
     .assign = assign_plain<gemini, &G::max_retries>,
     .show = show_plain<gemini, &G::max_retries>},
    {.section = "gemini", .name = "max_retry_wait_s", .kind = Kind::number,
     .allowed = "a number of seconds in 0..3600", .min = 0, .max = 3600,
     .assign = assign_plain<gemini, &G::max_retry_wait_s>,
     .show = show_plain<gemini, &G::max_retry_wait_s>},
    {.section = "gemini", .name = "pool_size", .kind = Kind::integer,
     .allowed = "an integer in 0..4096 (0 keeps no idle connections)", .min = 0, .max = 4096,
     .assign = assign_plain<gemini, &G::pool_size>, .show = show_plain<gemini, &G::pool_size>},
    {.section = "gemini", .name = "http2", .kind = Kind::boolean, .allowed = "true or false",
     .assign = assign_plain<gemini, &G::http2>, .show = show_plain<gemini, &G::http2>},
    {.section = "gemini", .name = "max_handshakes", .kind = Kind::integer,
     .allowed = "an integer in 1..4096", .min = 1, .max = 4096,
     .assign = assign_plain<gemini, &G::max_handshakes>, .show = show_plain<gemini, &G::max_handshakes>},

    {.section = "memory", .name = "max_history_messages", .kind = Kind::integer,
     .allowed = "an integer in 1..1000", .min = 1, .max = 1000,
     .legacy_env = "MAX_HISTORY_MESSAGES",
     .assign = assign_plain<memory, &M::max_history_messages>,
     .show = show_plain<memory, &M::max_history_messages>},
    {.section = "memory", .name = "max_sessions", .kind = Kind::integer,
     .allowed = "an integer in 1..10000000", .min = 1, .max = 10000000,
     .assign = assign_plain<memory, &M::max_sessions>,
     .show = show_plain<memory, &M::max_sessions>},
    {.section = "memory", .name = "session_ttl_s", .kind = Kind::number,
     .allowed = "a number of seconds, more than 0 and at most 31536000 (a year)", .min = 0,
     .max = 31536000, .above_min = true, .assign = assign_plain<memory, &M::session_ttl_s>,
     .show = show_plain<memory, &M::session_ttl_s>},
    {.section = "memory", .name = "max_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1048576..1099511627776 (1 MiB to 1 TiB)", .min = 1048576,
     .max = 1099511627776, .assign = assign_plain<memory, &M::max_bytes>,
     .show = show_plain<memory, &M::max_bytes>},
    {.section = "memory", .name = "max_session_bytes", .kind = Kind::integer,
     .allowed = "an integer in 65536..68719476736 (64 KiB to 64 GiB)", .min = 65536,
     .max = 68719476736, .assign = assign_plain<memory, &M::max_session_bytes>,
     .show = show_plain<memory, &M::max_session_bytes>},
    {.section = "memory", .name = "store", .kind = Kind::text,
     .allowed = "one of \"memory\" (in this process), \"redis\" (shared by every instance, at memory.redis_url)",
     .assign = assign_choice<memory, &M::store, store_names>,
     .show = show_choice<memory, &M::store, store_names>},
    {.section = "memory", .name = "redis_url", .kind = Kind::text,
     .allowed = "a URL redis://[[user]:password@]host[:port][/db], e.g. redis://:secret@cache:6379/0 (percent-encode "
                "'/', ':' and '%' in the password; rediss:// is not supported yet: reach a TLS Redis through a "
                "local TLS tunnel)",
     .legacy_env = "REDIS_URL", .secret = true,
     .assign = assign_text<memory, &M::redis_url, accept_redis_url>, .show = show_redis_url},
    {.section = "memory", .name = "redis_prefix", .kind = Kind::text,
     .allowed = "up to 64 printable characters without spaces, e.g. \"chatrelay:\"",
     .assign = assign_text<memory, &M::redis_prefix, accept_redis_prefix>,
     .show = show_plain<memory, &M::redis_prefix>},
    {.section = "memory", .name = "redis_timeout_s", .kind = Kind::number,
     .allowed = "a number of seconds, more than 0 and at most 60", .min = 0, .max = 60, .above_min = true,
     .assign = assign_plain<memory, &M::redis_timeout_s>, .show = show_plain<memory, &M::redis_timeout_s>},

    {.section = "log", .name = "level", .kind = Kind::text,
     .allowed = "one of \"debug\", \"info\", \"warn\", \"error\", \"off\"",
     .legacy_env = "LOG_LEVEL", .assign = assign_choice<logging, &LogSettings::level, level_names>,
     .show = show_choice<logging, &LogSettings::level, level_names>},
    {.section = "log", .name = "format", .kind = Kind::text,
     .allowed = "one of \"text\" (for people), \"json\" (one object per line, for machines)",
     .legacy_env = "LOG_FORMAT", .assign = assign_choice<logging, &LogSettings::format, format_names>,
     .show = show_choice<logging, &LogSettings::format, format_names>},
};

}  // namespace

std::string Key::path() const { return std::string(section) + "." + std::string(name); }

std::string Key::env_name() const {
  return "CHATRELAY_" + to_upper(section) + "_" + to_upper(name);
}

std::span<const Key> keys() { return table; }

std::span<const std::string_view> sections() { return section_names; }

const Key* find_key(std::string_view section, std::string_view name) {
  const auto it = std::ranges::find_if(
      table, [&](const Key& key) { return key.section == section && key.name == name; });
  return it == std::end(table) ? nullptr : &*it;
}

const Key* find_key(std::string_view path) {
  const auto dot = path.find('.');
  if (dot == std::string_view::npos) return nullptr;
  return find_key(path.substr(0, dot), path.substr(dot + 1));
}

Value from_text(const Key& key, std::string_view text, const std::string& where) {
  const std::string_view t = trim(text);
  switch (key.kind) {
    case Kind::boolean: {
      const std::string word = to_lower(t);
      if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
      if (word == "false" || word == "0" || word == "no" || word == "off") return false;
      break;
    }
    case Kind::integer: {
      std::int64_t i = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), i);
      if (!t.empty() && ec == std::errc{} && end == t.data() + t.size()) return i;
      break;
    }
    case Kind::number: {
      double d = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
      if (!t.empty() && ec == std::errc{} && end == t.data() + t.size()) return d;
      break;
    }
    case Kind::text_list:
      return parse_origins(text, where);
    case Kind::text:
      break;
  }
  return std::string(text);
}

void wipe(Value& value) {
  if (auto* text = std::get_if<std::string>(&value)) chatrelay::wipe(*text);
  if (auto* list = std::get_if<std::vector<std::string>>(&value))
    for (auto& item : *list) chatrelay::wipe(item);
}

std::string describe_value(const Value& value) {
  constexpr std::size_t max_chars = 80;
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return toml_float(d); }
    std::string operator()(const std::string& s) const {
      if (s.size() <= max_chars) return quote(s);
      std::size_t cut = max_chars - 3;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      return quote(std::string_view(s).substr(0, cut)) + "...";
    }
    std::string operator()(const std::vector<std::string>& list) const {
      std::string out = "[";
      for (const auto& item : list) {
        if (out.size() > 1) out += ", ";
        out += (*this)(item);
      }
      return out + "]";
    }
    std::string operator()(const Other& other) const { return other.what; }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace chatrelay::config::detail
