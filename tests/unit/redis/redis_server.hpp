// A real redis-server for a test: started on a free port of 127.0.0.1, without persistence,
// stopped with the test. `available()` is false when /usr/bin/redis-server is missing.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

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
