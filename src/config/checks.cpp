// What text values each key accepts, and their normal form (DESIGN.md §2).
#include "checks.hpp"

#include <algorithm>

#include "authority.hpp"
#include "chatrelay/config/redis_url.hpp"
#include "text.hpp"

namespace chatrelay::config::detail {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

// host[:port] as in a URL: a name or IPv4 address, or an IPv6 address in brackets.
bool valid_authority(std::string_view authority) { return split_authority(authority).has_value(); }

}  // namespace

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
  return parsed.has_value();
}

bool accept_redis_prefix(std::string& prefix) {
  return prefix.size() <= 64 && std::ranges::all_of(prefix, [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

}  // namespace chatrelay::config::detail
