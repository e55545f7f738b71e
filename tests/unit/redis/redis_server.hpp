// Test support for Redis: a real redis-server started on a free port of 127.0.0.1 without
// persistence and stopped with the test (`available()` is false when /usr/bin/redis-server is
// missing), and running a coroutine to its end on a loop the client keeps busy.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <exception>
#include <optional>

#include "chatrelay/core/asio.hpp"

class RedisServer {
 public:
  static bool available() { return access("/usr/bin/redis-server", X_OK) == 0; }

  explicit RedisServer(std::string password = {}) : password_(std::move(password)) {
    port_ = free_port();
    start();
  }
  ~RedisServer() { stop(); }

  void start() {
    std::vector<std::string> args = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"};
    if (!password_.empty()) {
      args.push_back("--requirepass");
      args.push_back(password_);
    }
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Ready when it accepts a connection.
    for (int i = 0; i < 500; ++i) {
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      asio::error_code ec;
      s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::uint16_t port() const { return port_; }

 private:
  static std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }

  std::string password_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Catch2 v2 has no SKIP: the test passes with a warning when the package is missing.
#define REQUIRE_REDIS_SERVER()                   \
  do {                                           \
    if (!RedisServer::available()) {             \
      WARN("skipped: no /usr/bin/redis-server"); \
      return;                                    \
    }                                            \
  } while (false)

// Runs `a` on `io` until it finishes (the client's own coroutines keep the loop busy).
template <typename T>
T run(asio::io_context& io, chatrelay::awaitable<T> a) {
  std::optional<T> result;
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) result = std::move(v);
    done = true;
  });
  while (!done) io.run_one();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline void run_void(asio::io_context& io, chatrelay::awaitable<void> a) {
  std::exception_ptr error;
  bool done = false;
  asio::co_spawn(io, std::move(a), [&](std::exception_ptr e) {
    error = e;
    done = true;
  });
  while (!done) io.run_one();
  if (error) std::rethrow_exception(error);
}
