// The key table: each setting declared once with its type, range, environment name and storage.
#include "keys.hpp"

#include "assign.hpp"
#include "checks.hpp"

#include <algorithm>
#include <array>

#include "chatrelay/config/loader.hpp"
#include "chatrelay/config/redis_url.hpp"
#include "files.hpp"
#include "text.hpp"

namespace chatrelay::config::detail {
namespace {

constexpr std::size_t max_prompt_file_bytes = 1024 * 1024;

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

// A CA file (gemini.ca_file, memory.redis_ca_file): "" is the system trust store.
template <auto Section, auto Field>
void assign_ca_file(const Key& key, Settings& settings, const Value& value,
                    const std::filesystem::path& base_dir) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) reject(key, value);
  auto& ca_file = settings.*Section.*Field;
  if (text->empty()) {
    ca_file.reset();
    return;
  }
  const auto path = (base_dir / *text).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Rejected("expected " + std::string(key.allowed) + " (got " + quote(*text) +
                   ": no such file " + path.string() + ")");
  }
  ca_file = path.string();
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

// Enumerations spelled as lower-case words; the index in Names is the enumerator's value.
constexpr std::array<std::string_view, 5> level_names = {"debug", "info", "warn", "error", "off"};
constexpr std::array<std::string_view, 2> format_names = {"text", "json"};
constexpr std::array<std::string_view, 2> store_names = {"memory", "redis"};


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
    text<server, &S::host, accept_host>({.section = "server", .name = "host", .kind = Kind::text,
     .allowed = "a host name or IP address to listen on, such as 0.0.0.0, 127.0.0.1, :: or "
                "localhost",
     .legacy_env = "HOST"}),
    plain<server, &S::port>({.section = "server", .name = "port", .kind = Kind::integer,
     .allowed = "an integer in 0..65535 (0 picks any free port)", .min = 0, .max = 65535,
     .legacy_env = "PORT"}),
    {.section = "server", .name = "allowed_origins", .kind = Kind::text_list,
     .allowed = "an array of \"*\" or origins like \"https://app.example.com\" or "
                "\"http://localhost:5173\" (scheme://host[:port], no path)",
     .legacy_env = "ALLOWED_ORIGINS", .assign = assign_origins, .show = show_origins},
    plain<server, &S::max_body_bytes>({.section = "server", .name = "max_body_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1024..1073741824 (1 KiB to 1 GiB)", .min = 1024,
     .max = 1073741824}),
    plain<server, &S::max_header_bytes>({.section = "server", .name = "max_header_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1024..1048576 (1 KiB to 1 MiB)", .min = 1024, .max = 1048576}),
    plain<server, &S::max_connections>({.section = "server", .name = "max_connections", .kind = Kind::integer,
     .allowed = "an integer in 1..1000000", .min = 1, .max = 1000000}),
    plain<server, &S::header_timeout_s>({.section = "server", .name = "header_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<server, &S::body_timeout_s>({.section = "server", .name = "body_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<server, &S::idle_timeout_s>({.section = "server", .name = "idle_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<server, &S::write_timeout_s>({.section = "server", .name = "write_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<server, &S::shutdown_grace_s>({.section = "server", .name = "shutdown_grace_s", .kind = Kind::number,
     .allowed = "a number of seconds in 0..86400", .min = 0, .max = 86400}),
    {.section = "server", .name = "auth_tokens", .kind = Kind::text_list,
     .allowed = "an array of bearer tokens, each 16..512 printable characters without spaces",
     .secret = true, .unset_note = "none: no authentication", .assign = assign_tokens,
     .show = show_tokens},
    plain<server, &S::ip_rate_per_s>({.section = "server", .name = "ip_rate_per_s", .kind = Kind::number,
     .allowed = "requests per second per client IP in 0..100000 (0 = no limit)", .min = 0,
     .max = 100000}),
    plain<server, &S::ip_burst>({.section = "server", .name = "ip_burst", .kind = Kind::number,
     .allowed = "a burst size in 1..1000000", .min = 1, .max = 1000000}),
    plain<server, &S::session_rate_per_s>({.section = "server", .name = "session_rate_per_s", .kind = Kind::number,
     .allowed = "chat turns per second per session in 0..1000 (0 = no limit)", .min = 0,
     .max = 1000}),
    plain<server, &S::session_burst>({.section = "server", .name = "session_burst", .kind = Kind::number,
     .allowed = "a burst size in 1..1000", .min = 1, .max = 1000}),
    plain<server, &S::max_streams_per_ip>({.section = "server", .name = "max_streams_per_ip", .kind = Kind::integer,
     .allowed = "an integer in 0..1000000 (0 = no cap)", .min = 0, .max = 1000000}),
    plain<server, &S::metrics>({.section = "server", .name = "metrics", .kind = Kind::boolean,
     .allowed = "true or false"}),
    plain<server, &S::metrics_port>({.section = "server", .name = "metrics_port", .kind = Kind::integer,
     .allowed = "an integer in 0..65535 (0 = serve /metrics on the main port)", .min = 0,
     .max = 65535}),
    text<server, &S::metrics_host, accept_host>({.section = "server", .name = "metrics_host", .kind = Kind::text,
     .allowed = "a host name or IP address for the metrics listener, such as 127.0.0.1 or 0.0.0.0"}),
    plain<server, &S::ui>({.section = "server", .name = "ui", .kind = Kind::boolean,
     .allowed = "true or false"}),
    plain<server, &S::reuse_port>({.section = "server", .name = "reuse_port", .kind = Kind::boolean,
     .allowed = "true or false"}),

    text<gemini, &G::api_key, accept_api_key>({.section = "gemini", .name = "api_key", .kind = Kind::text,
     .allowed = "an API key without spaces or control characters, at most 512 characters",
     .legacy_env = "GEMINI_API_KEY", .secret = true, .unset_note = "not set", .show = show_api_key}),
    text<gemini, &G::model, accept_model>({.section = "gemini", .name = "model", .kind = Kind::text,
     .allowed = "a model name of letters, digits, '.', '-' and '_', such as gemini-2.5-flash",
     .legacy_env = "GEMINI_MODEL"}),
    {.section = "gemini", .name = "models", .kind = Kind::text_list,
     .allowed = "a non-empty array of model names like \"gemini-2.5-flash\" (letters, digits, '.', "
                "'-' and '_')",
     .unset_note = "not set: [model], the model above", .assign = assign_models, .show = show_models},
    text<gemini, &G::base_url, accept_base_url>({.section = "gemini", .name = "base_url", .kind = Kind::text,
     .allowed = "an https:// URL with a host and no query, such as "
                "https://generativelanguage.googleapis.com (http:// is refused: Gemini is spoken "
                "over TLS only)",
     .legacy_env = "GEMINI_BASE_URL"}),
    {.section = "gemini", .name = "ca_file", .kind = Kind::text,
     .allowed = "the path of an existing PEM file of CA certificates, or \"\" for the system "
                "trust store",
     .legacy_env = "GEMINI_CA_FILE", .unset_note = "not set: the system trust store",
     .assign = assign_ca_file<gemini, &G::ca_file>, .show = show_plain<gemini, &G::ca_file>},
    {.section = "gemini", .name = "system_prompt", .kind = Kind::text, .allowed = "a string",
     .unset_note = "taken from system_prompt_file", .assign = assign_prompt,
     .show = show_prompt},
    {.section = "gemini", .name = "system_prompt_file", .kind = Kind::text,
     .allowed = "the path of a readable text file of at most 1 MiB", .unset_note = "not set",
     .assign = assign_prompt_file, .show = show_plain<gemini, &G::system_prompt_file>},
    plain<gemini, &G::temperature>({.section = "gemini", .name = "temperature", .kind = Kind::number,
     .allowed = "a number in 0..2", .min = 0, .max = 2,
     .unset_note = "not set: the model's default"}),
    plain<gemini, &G::max_output_tokens>({.section = "gemini", .name = "max_output_tokens", .kind = Kind::integer,
     .allowed = "an integer in 1..1048576", .min = 1, .max = 1048576,
     .unset_note = "not set: the model's default"}),
    plain<gemini, &G::thinking_budget>({.section = "gemini", .name = "thinking_budget", .kind = Kind::integer,
     .allowed = "an integer in -1..32768 (-1 = dynamic, 0 = off where the model allows it)",
     .min = -1, .max = 32768, .unset_note = "not set: the model's default"}),
    plain<gemini, &G::include_thoughts>({.section = "gemini", .name = "include_thoughts", .kind = Kind::boolean,
     .allowed = "true or false"}),
    plain<gemini, &G::connect_timeout_s>({.section = "gemini", .name = "connect_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<gemini, &G::first_byte_timeout_s>({.section = "gemini", .name = "first_byte_timeout_s", .kind = Kind::number,
     .allowed = seconds, .min = 0, .max = 86400, .above_min = true}),
    plain<gemini, &G::idle_timeout_s>({.section = "gemini", .name = "idle_timeout_s", .kind = Kind::number, .allowed = seconds,
     .min = 0, .max = 86400, .above_min = true}),
    plain<gemini, &G::max_retries>({.section = "gemini", .name = "max_retries", .kind = Kind::integer,
     .allowed = "an integer in 0..10", .min = 0, .max = 10}),
    plain<gemini, &G::max_retry_wait_s>({.section = "gemini", .name = "max_retry_wait_s", .kind = Kind::number,
     .allowed = "a number of seconds in 0..3600", .min = 0, .max = 3600}),
    plain<gemini, &G::pool_size>({.section = "gemini", .name = "pool_size", .kind = Kind::integer,
     .allowed = "an integer in 0..4096 (0 keeps no idle connections)", .min = 0, .max = 4096}),
    plain<gemini, &G::http2>({.section = "gemini", .name = "http2", .kind = Kind::boolean, .allowed = "true or false"}),
    plain<gemini, &G::max_handshakes>({.section = "gemini", .name = "max_handshakes", .kind = Kind::integer,
     .allowed = "an integer in 1..4096", .min = 1, .max = 4096}),

    plain<memory, &M::max_history_messages>({.section = "memory", .name = "max_history_messages", .kind = Kind::integer,
     .allowed = "an integer in 1..1000", .min = 1, .max = 1000,
     .legacy_env = "MAX_HISTORY_MESSAGES"}),
    plain<memory, &M::max_sessions>({.section = "memory", .name = "max_sessions", .kind = Kind::integer,
     .allowed = "an integer in 1..10000000", .min = 1, .max = 10000000}),
    plain<memory, &M::session_ttl_s>({.section = "memory", .name = "session_ttl_s", .kind = Kind::number,
     .allowed = "a number of seconds, more than 0 and at most 31536000 (a year)", .min = 0,
     .max = 31536000, .above_min = true}),
    plain<memory, &M::max_bytes>({.section = "memory", .name = "max_bytes", .kind = Kind::integer,
     .allowed = "an integer in 1048576..1099511627776 (1 MiB to 1 TiB)", .min = 1048576,
     .max = 1099511627776}),
    plain<memory, &M::max_session_bytes>({.section = "memory", .name = "max_session_bytes", .kind = Kind::integer,
     .allowed = "an integer in 65536..68719476736 (64 KiB to 64 GiB)", .min = 65536,
     .max = 68719476736}),
    choice<memory, &M::store, store_names>({.section = "memory", .name = "store", .kind = Kind::text,
     .allowed = "one of \"memory\" (in this process), \"redis\" (shared by every instance, at memory.redis_url)"}),
    text<memory, &M::redis_url, accept_redis_url>({.section = "memory", .name = "redis_url", .kind = Kind::text,
     .allowed = "a URL redis://[[user]:password@]host[:port][/db], e.g. redis://:secret@cache:6379/0 (percent-encode "
                "'/', ':' and '%' in the password; rediss:// for TLS)",
     .legacy_env = "REDIS_URL", .secret = true, .show = show_redis_url}),
    {.section = "memory", .name = "redis_ca_file", .kind = Kind::text,
     .allowed = "the path of an existing PEM file of CA certificates, or \"\" for the system "
                "trust store",
     .legacy_env = "REDIS_CA_FILE", .unset_note = "not set: the system trust store (used by rediss:// only)",
     .assign = assign_ca_file<memory, &M::redis_ca_file>, .show = show_plain<memory, &M::redis_ca_file>},
    text<memory, &M::redis_prefix, accept_redis_prefix>({.section = "memory", .name = "redis_prefix", .kind = Kind::text,
     .allowed = "up to 64 printable characters without spaces, e.g. \"chatrelay:\""}),
    plain<memory, &M::redis_timeout_s>({.section = "memory", .name = "redis_timeout_s", .kind = Kind::number,
     .allowed = "a number of seconds, more than 0 and at most 60", .min = 0, .max = 60, .above_min = true}),
    plain<memory, &M::redis_lease_s>({.section = "memory", .name = "redis_lease_s", .kind = Kind::number,
     .allowed = "a number of seconds, at least 1 and at most 600", .min = 1, .max = 600}),

    choice<logging, &LogSettings::level, level_names>({.section = "log", .name = "level", .kind = Kind::text,
     .allowed = "one of \"debug\", \"info\", \"warn\", \"error\", \"off\"",
     .legacy_env = "LOG_LEVEL"}),
    choice<logging, &LogSettings::format, format_names>({.section = "log", .name = "format", .kind = Kind::text,
     .allowed = "one of \"text\" (for people), \"json\" (one object per line, for machines)",
     .legacy_env = "LOG_FORMAT"}),
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

}  // namespace chatrelay::config::detail
