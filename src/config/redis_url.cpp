// Parsing memory.redis_url; the password never reaches a message (redacted()).
#include "chatrelay/config/redis_url.hpp"

#include <charconv>

#include "authority.hpp"

namespace chatrelay::config {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_digit(s[i + 1]);
    const int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

template <typename T>
std::optional<T> number(std::string_view s, T max) {
  T value{};
  if (s.empty() || s.size() > 10) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view url) {
  RedisUrl out;
  if (url.starts_with("redis://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("rediss://")) {
    url.remove_prefix(9);
    out.tls = true;
  } else {
    return std::nullopt;
  }
  const auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : url.substr(slash + 1);
  if (!path.empty()) {
    auto db = number<unsigned>(path, 2147483647u);
    if (!db) return std::nullopt;
    out.db = static_cast<int>(*db);
  }
  // The password may hold '@' unencoded: the last '@' ends the user information.
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    if (!user) return std::nullopt;
    out.user = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1));
      if (!password) return std::nullopt;
      out.password = std::move(*password);
    }
    if (out.password.empty() && !out.user.empty()) return std::nullopt;  // a user needs a password
  }
  const auto split = detail::split_authority(authority);
  if (!split) return std::nullopt;
  if (split->port) out.port = *split->port;
  out.host = std::string(split->host);
  return out;
}

std::string redacted(const RedisUrl& url) {
  std::string out = url.tls ? "rediss://" : "redis://";
  if (!url.password.empty()) {
    out.append(url.user);
    out.append(":***@");
  }
  const bool ipv6 = url.host.find(':') != std::string::npos;
  if (ipv6) out.push_back('[');
  out.append(url.host);
  if (ipv6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(url.port));
  out.push_back('/');
  out.append(std::to_string(url.db));
  return out;
}

}  // namespace chatrelay::config
