// CORS policy: which origins are echoed, and the answer to a preflight (DESIGN.md §4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chatrelay/http/message.hpp"
#include "chatrelay/http/response.hpp"

namespace chatrelay::http {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool allowed(std::string_view origin) const;
  // Headers to add to an answer to `request` (none when there is no Origin or it is not allowed).
  void add_headers(const Message& request, std::vector<Header>& out) const;
  // A preflight is OPTIONS with Origin and Access-Control-Request-Method; answers 200 (allowed)
  // or 403 (not allowed). nullopt when `request` is not a preflight.
  std::optional<Response> preflight(const Message& request) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace chatrelay::http
