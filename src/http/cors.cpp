// CorsPolicy: exact-match origin list (or "*"), echoing the origin with Vary: Origin.
#include "chatrelay/http/cors.hpp"

#include <algorithm>

namespace chatrelay::http {

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins) : origins_(std::move(allowed_origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::add_headers(const Message& request, std::vector<Header>& out) const {
  auto origin = request.header("origin");
  if (!allowed(origin)) return;
  out.push_back({"Access-Control-Allow-Origin", std::string(origin)});
  out.push_back({"Access-Control-Allow-Credentials", "true"});
  out.push_back({"Access-Control-Expose-Headers", "X-Session-Id, X-Request-Id"});
  out.push_back({"Vary", "Origin"});
}

std::optional<Response> CorsPolicy::preflight(const Message& request) const {
  if (request.method != "OPTIONS") return std::nullopt;
  auto origin = request.header("origin");
  auto method = request.header("access-control-request-method");
  if (origin.empty() || method.empty()) return std::nullopt;
  if (!allowed(origin)) {
    Response r = json_error(403, "Disallowed CORS origin");
    r.header("Vary", "Origin");
    return r;
  }
  Response r;  // Starlette answers an allowed preflight with 200 "OK"
  r.content_type = "text/plain; charset=utf-8";
  r.body = "OK";
  r.header("Access-Control-Allow-Origin", std::string(origin));
  r.header("Access-Control-Allow-Credentials", "true");
  r.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  auto requested = request.header("access-control-request-headers");
  r.header("Access-Control-Allow-Headers", requested.empty() ? "Content-Type" : std::string(requested));
  r.header("Access-Control-Max-Age", "600");
  r.header("Vary", "Origin");
  return r;
}

}  // namespace chatrelay::http
