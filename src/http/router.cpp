// Router: a short vector scanned in order; a handful of routes needs nothing cleverer.
#include "chatrelay/http/router.hpp"

#include <cassert>
#include <optional>

namespace chatrelay::http {

Route& Router::add_route(std::string method, std::string path) {
  bool known = false;
  for (const auto& r : routes_) known = known || r.method == method;
  if (!known) methods_.append(methods_.empty() ? "" : ", ").append(method);
  Route r;
  r.method = std::move(method);
  r.pattern = path;
  if (path.ends_with('}')) {
    const auto open = path.rfind("/{");
    assert(open != std::string::npos);
    path.resize(open + 1);  // "/api/sessions/{id}" → "/api/sessions/"
    r.has_param = true;
  }
  r.path = std::move(path);
  return routes_.emplace_back(std::move(r));
}

void Router::add(std::string method, std::string path, PlainHandler h) {
  add_route(std::move(method), std::move(path)).plain = std::move(h);
}

void Router::add_open(std::string method, std::string path, PlainHandler h) {
  Route& r = add_route(std::move(method), std::move(path));
  r.plain = std::move(h);
  r.open = true;
}

void Router::add_async(std::string method, std::string path, AsyncHandler h, bool stream_slot) {
  Route& r = add_route(std::move(method), std::move(path));
  r.async = std::move(h);
  r.stream_slot = stream_slot;
}

namespace {
// The parameter segment when `path` is `route`'s prefix plus one non-empty segment, else nullopt.
std::optional<std::string_view> matches(const Route& route, std::string_view path) {
  if (!route.has_param) return route.path == path ? std::optional<std::string_view>("") : std::nullopt;
  if (!path.starts_with(route.path)) return std::nullopt;
  const auto param = path.substr(route.path.size());
  if (param.empty() || param.find('/') != std::string_view::npos) return std::nullopt;
  return param;
}
}  // namespace

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  for (const auto& r : routes_) {
    const auto param = matches(r, path);
    if (!param) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      m.param = *param;
      return m;
    }
    if (!m.allow.empty()) m.allow.append(", ");
    m.allow.append(r.method);
    if (r.method == "GET") m.allow.append(", HEAD");
  }
  if (m.allow.empty() && path.size() > 1 && path.ends_with('/')) {
    const auto bare = path.substr(0, path.size() - 1);
    for (const auto& r : routes_) m.slash_redirect = m.slash_redirect || matches(r, bare).has_value();
  }
  return m;
}

void Router::refusals_under(std::string prefix, RefusalWriter writer) {
  refusal_writers_.emplace_back(std::move(prefix), std::move(writer));
}

http1::Response Router::refusal(std::string_view path, int status, std::string_view message) const {
  for (const auto& [prefix, writer] : refusal_writers_)
    if (path.starts_with(prefix)) return writer(status, message);
  return http1::json_error(status, message);
}

}  // namespace chatrelay::http
