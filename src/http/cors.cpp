// CorsPolicy: exact-match origin list (or "*"), echoing the origin with Vary: Origin; every CORS
// header once per answer (DESIGN.md §1).
#include "chatrelay/http/cors.hpp"

#include <algorithm>

namespace chatrelay::http {
namespace {

// What a preflight allows when it names no headers, or names them in a way we do not echo.
constexpr std::string_view default_allow_headers = "Content-Type, Authorization, X-Request-Id";
constexpr std::size_t max_echoed_headers = 1024;

// A list of header names as browsers send it ("content-type,x-session-id"): tokens, commas and
// blanks only, and short; anything else is not echoed into our answer.
bool echoable(std::string_view list) {
  if (list.empty() || list.size() > max_echoed_headers) return false;
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~, \t";
  return std::all_of(list.begin(), list.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins) : origins_(std::move(allowed_origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::add_headers(const http1::Message& request, std::vector<http1::Header>& out) const {
  auto origin = request.header("origin");
  if (origin.empty()) return;
  if (allowed(origin)) {
    out.push_back({"Access-Control-Allow-Origin", std::string(origin)});
    // A wildcard list lets any site read answers: never with the browser's credentials too.
    if (!any_) out.push_back({"Access-Control-Allow-Credentials", "true"});
    out.push_back({"Access-Control-Expose-Headers", "X-Session-Id, X-Request-Id, Retry-After"});
  }
  // The answer depends on the Origin, allowed or not: caches must keep them apart.
  out.push_back({"Vary", "Origin"});
}

std::optional<http1::Response> CorsPolicy::preflight(const http1::Message& request, std::string_view methods) const {
  if (request.method != "OPTIONS") return std::nullopt;
  auto origin = request.header("origin");
  auto method = request.header("access-control-request-method");
  if (origin.empty() || method.empty()) return std::nullopt;
  if (!allowed(origin)) return http1::json_error(403, "Disallowed CORS origin");
  // Access-Control-Allow-Origin, -Credentials and Vary come from add_headers, like every answer's.
  http1::Response r;  // Starlette answers an allowed preflight with 200 "OK"
  r.content_type = "text/plain; charset=utf-8";
  r.body = "OK";
  std::string allow_methods(methods);
  if (allow_methods.find("OPTIONS") == std::string::npos) allow_methods.append(allow_methods.empty() ? "OPTIONS" : ", OPTIONS");
  r.header("Access-Control-Allow-Methods", std::move(allow_methods));
  auto requested = request.header("access-control-request-headers");
  r.header("Access-Control-Allow-Headers", std::string(echoable(requested) ? requested : default_allow_headers));
  r.header("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace chatrelay::http
