// Routes by method and path: exact paths, or a path whose last segment is a parameter
// ("/api/sessions/{id}"). GET routes answer HEAD too.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/http1/message.hpp"
#include "chatrelay/http1/response.hpp"

namespace chatrelay::http {

using PlainHandler = std::function<http1::Response(const http1::Message&)>;
using AsyncHandler = std::function<awaitable<void>(Exchange&)>;
// Writes a refusal the server makes itself (401, 404, 405, 413, 429, ...) with `message` in the
// body shape a family of routes promises its clients.
using RefusalWriter = std::function<http1::Response(int status, std::string_view message)>;

struct Route {
  std::string method;
  std::string pattern;   // as declared: "/health", "/api/sessions/{id}" (metrics and log label)
  std::string path;      // what is matched: `pattern`, or its prefix up to "{" when `has_param`
  bool has_param = false;  // declared as "/prefix/{name}": one more non-empty segment follows
  PlainHandler plain;    // one of the two is set
  AsyncHandler async;
  // An async route that holds a chat stream: counts against server.max_streams_per_ip.
  bool stream_slot = false;
  // Answers without a bearer token when server.auth_tokens is set: the chat page and its files,
  // which a browser loads before the page can ask for a token, and which hold no one's data.
  bool open = false;
};

class Router {
 public:
  // `path` is exact, or ends in a "{name}" segment that matches one non-empty segment.
  void add(std::string method, std::string path, PlainHandler h);
  // The same, for a route that needs no token (Route::open).
  void add_open(std::string method, std::string path, PlainHandler h);
  // A handler that awaits (a session lookup, a whole stream), run raced against the client
  // going away; `stream_slot`: it streams a chat answer (see Route::stream_slot).
  void add_async(std::string method, std::string path, AsyncHandler h, bool stream_slot = false);

  struct Match {
    const Route* route = nullptr;  // null: 404, or 405 when `allow` is not empty
    std::string allow;             // methods the path does accept
    std::string_view param;        // the "{name}" segment of `path`, when the route has one
    // No route, but `path` ends in "/" and matches one without it (any method): FastAPI answers
    // such a request with a 307 to that path.
    bool slash_redirect = false;
  };
  Match match(std::string_view method, std::string_view path) const;
  // Every route's method once, in the order first declared ("GET, POST, DELETE"): what a CORS
  // preflight allows.
  const std::string& methods() const { return methods_; }

  // Refusals for paths under `prefix` ("/v1/"), matched or not, are written by `writer`; elsewhere
  // they are FastAPI's {"detail":"…"} (DESIGN.md §1).
  void refusals_under(std::string prefix, RefusalWriter writer);
  http1::Response refusal(std::string_view path, int status, std::string_view message) const;

 private:
  Route& add_route(std::string method, std::string path);

  std::vector<Route> routes_;
  std::string methods_;
  std::vector<std::pair<std::string, RefusalWriter>> refusal_writers_;
};

}  // namespace chatrelay::http
