// The running service: the Gemini client, the session store, the handlers behind their routes, the
// listeners, the background jobs and the shutdown on SIGINT/SIGTERM (DESIGN.md §3, §4).
#pragma once

#include <memory>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"

namespace chatrelay::app {

class Service {
 public:
  // Throws std::invalid_argument or std::system_error when the Gemini client cannot be made (bad
  // base_url, unreadable CA file): a configuration error.
  Service(asio::io_context& io, const config::Settings& settings);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Connects to Redis when memory.store is "redis", before anything listens. Throws
  // store::Refused (include chatrelay/store/backend.hpp);
  // a Redis that does not answer yet is only logged (it is retried in the background).
  void connect_store();
  // Binds every listener. Throws std::system_error (address in use, host that resolves to nothing).
  void listen();
  // Starts accepting, the background jobs and the signal handling, and says where it listens:
  // in the log and, always, on stdout (scripts and tests read the port from there).
  void start();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::app
