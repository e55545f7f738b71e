// split_authority: host[:port], with IPv6 in brackets.
#include "authority.hpp"

#include <algorithm>
#include <charconv>

namespace chatrelay::config::detail {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

std::optional<std::uint16_t> port_number(std::string_view port) {
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<Authority> split_authority(std::string_view authority) {
  Authority out{authority, std::nullopt};
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
    if (out.host.empty() || !std::ranges::all_of(out.host, [](char c) { return is_hex(c) || c == ':' || c == '.'; }))
      return std::nullopt;
  } else {
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      out.host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (out.host.empty() || !std::ranges::all_of(out.host, name_char)) return std::nullopt;
  }
  if (port) {
    out.port = port_number(*port);
    if (!out.port) return std::nullopt;
  }
  return out;
}

}  // namespace chatrelay::config::detail
