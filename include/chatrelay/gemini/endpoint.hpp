// The upstream's address, parsed once from gemini.base_url.
#pragma once

#include <string>
#include <string_view>

namespace chatrelay::gemini {

struct Endpoint {
  std::string host;       // name or IP literal (without brackets)
  std::string port;       // "443" by default
  std::string base_path;  // "" or "/prefix" (no trailing slash)
  std::string host_header;

  // "/v1beta/models/{model}:streamGenerateContent?alt=sse" under base_path.
  std::string stream_target(std::string_view model) const;
};

// Throws std::invalid_argument unless `url` is https://host[:port][/path].
Endpoint parse_endpoint(std::string_view url);

}  // namespace chatrelay::gemini
