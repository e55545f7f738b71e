// Endpoint parsing: scheme, host (IPv6 in brackets), port, path prefix.
#include "chatrelay/gemini/endpoint.hpp"

#include <stdexcept>

namespace chatrelay::gemini {

std::string Endpoint::stream_target(std::string_view model) const {
  std::string t = base_path;
  t.append("/v1beta/models/").append(model).append(":streamGenerateContent?alt=sse");
  return t;
}

Endpoint parse_endpoint(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme)
    throw std::invalid_argument("gemini.base_url must start with https:// (got \"" + std::string(url) + "\")");
  url.remove_prefix(scheme.size());
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  Endpoint e;
  e.port = "443";
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("gemini.base_url: unclosed [ in host");
    e.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw std::invalid_argument("gemini.base_url: bad port");
      e.port = std::string(rest.substr(1));
    }
  } else {
    auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) e.port = std::string(authority.substr(colon + 1));
  }
  if (e.host.empty()) throw std::invalid_argument("gemini.base_url has no host");
  if (e.port.empty() || e.port.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("gemini.base_url: bad port \"" + e.port + "\"");
  e.base_path = std::string(path);
  e.host_header = std::string(authority);
  return e;
}

}  // namespace chatrelay::gemini
