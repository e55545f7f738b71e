// Router: a short vector scanned in order; a handful of routes needs nothing cleverer.
#include "chatrelay/http/router.hpp"

namespace chatrelay::http {

void Router::add(std::string method, std::string path, PlainHandler h) {
  routes_.push_back({std::move(method), std::move(path), std::move(h), {}});
}

void Router::add_stream(std::string method, std::string path, StreamHandler h) {
  routes_.push_back({std::move(method), std::move(path), {}, std::move(h)});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  for (const auto& r : routes_) {
    if (r.path != path) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      return m;
    }
    if (!m.allow.empty()) m.allow.append(", ");
    m.allow.append(r.method);
    if (r.method == "GET") m.allow.append(", HEAD");
  }
  return m;
}

}  // namespace chatrelay::http
