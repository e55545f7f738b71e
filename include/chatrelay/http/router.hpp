// Routes by exact path and method; GET routes answer HEAD too.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/http/message.hpp"
#include "chatrelay/http/response.hpp"

namespace chatrelay::http {

using PlainHandler = std::function<Response(const Message&)>;
using StreamHandler = std::function<awaitable<void>(Exchange&)>;

struct Route {
  std::string method;
  std::string path;
  PlainHandler plain;    // one of the two is set
  StreamHandler stream;
};

class Router {
 public:
  void add(std::string method, std::string path, PlainHandler h);
  void add_stream(std::string method, std::string path, StreamHandler h);

  struct Match {
    const Route* route = nullptr;  // null: 404, or 405 when `allow` is not empty
    std::string allow;             // methods the path does accept
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace chatrelay::http
