// CORS policy: which origins are echoed, and the answer to a preflight (DESIGN.md §1, §4).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chatrelay/http1/message.hpp"
#include "chatrelay/http1/response.hpp"

namespace chatrelay::http {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool allowed(std::string_view origin) const;
  // The CORS headers of every answer to `request`, preflights included: for an allowed Origin
  // Access-Control-Allow-Origin (echoed), -Allow-Credentials (not with "*") and -Expose-Headers;
  // for any Origin, Vary: Origin. Nothing without an Origin.
  void add_headers(const http1::Message& request, std::vector<http1::Header>& out) const;
  // A preflight is OPTIONS with Origin and Access-Control-Request-Method; answers 200 (allowed,
  // with the preflight's own headers: `methods` (the router's) and OPTIONS, the requested
  // headers or a default, Max-Age) or 403 (not allowed). nullopt when `request` is not one.
  std::optional<http1::Response> preflight(const http1::Message& request, std::string_view methods) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace chatrelay::http
