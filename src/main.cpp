// chatrelay: only wiring — arguments → config → the process's limits → the service → run.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string_view>

#include "chatrelay/app/healthcheck.hpp"
#include "chatrelay/app/service.hpp"
#include "chatrelay/config/loader.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/process_limits.hpp"
#include "chatrelay/core/secret.hpp"
#include "chatrelay/store/backend.hpp"
#include "chatrelay_version.hpp"

namespace cr = chatrelay;

namespace {

// The copies of the environment the loader read, and the secrets in the process's own
// environment block (which /proc/PID/environ shows): gone once the settings hold them.
void forget_secrets(cr::config::Environment& env) {
  for (auto& entry : env) cr::wipe(entry.second);
  env.clear();
  for (const auto& name : cr::config::secret_environment_names()) cr::erase_environment_variable(name);
}

// Says so when the open-file limit cannot hold what server.max_connections allows: past it, new
// connections are refused and streams that cannot open their upstream connection end with
// upstream_unavailable (DESIGN.md §4).
void check_file_limit(const cr::FileLimit& files, const cr::config::Settings& s) {
  if (files.error != 0)
    cr::log::warn("cannot raise the open-file limit", {cr::log::kv("error", std::strerror(files.error))});
  const auto needed = cr::files_needed(s.server.max_connections, s.gemini.pool_size);
  if (files.soft >= needed) return;
  cr::log::warn("the open-file limit is lower than server.max_connections may need: raise it (ulimit -n, "
                "systemd LimitNOFILE=, docker run --ulimit nofile=N:N) or lower server.max_connections",
                {cr::log::kv("open_file_limit", files.soft), cr::log::kv("needed", needed),
                 cr::log::kv("max_connections", s.server.max_connections)});
}

}  // namespace

int main(int argc, char** argv) {
  // OpenSSL writes upstream sockets with write(2): a peer that reset must be an EPIPE error for
  // the call, not a signal that ends the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Large blocks (long messages and answers kept as history) get their own mappings, so an evicted
  // session's memory goes back to the system (memory.max_bytes bounds what the process holds, not
  // only what the store counts). glibc's default threshold rises to the largest block freed, after
  // which such texts fragment the heap and its resident size creeps past the budget.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // A core file would hold the API key and what users sent: none unless asked for (the process
  // stays dumpable otherwise, for monitoring that reads /proc/PID).
  const char* allow_core = std::getenv("CHATRELAY_ALLOW_CORE_DUMPS");
  const int core_error = allow_core && std::string_view(allow_core) == "1" ? 0 : cr::disable_core_dumps();
  const cr::FileLimit files = cr::raise_file_limit();
  cr::config::LoadResult loaded;
  cr::config::Environment env = cr::config::process_environment();
  try {
    loaded = cr::config::load(std::vector<std::string>(argv + 1, argv + argc), env, std::filesystem::current_path());
  } catch (const cr::config::ConfigError& e) {
    forget_secrets(env);
    std::fprintf(stderr, "chatrelay: %s\n", e.what());
    return 2;
  }
  forget_secrets(env);
  const cr::config::Settings& settings = loaded.settings;
  switch (loaded.action) {
    case cr::config::Action::help: std::cout << cr::config::usage(); return 0;
    case cr::config::Action::version: std::cout << "chatrelay " << CHATRELAY_VERSION << "\n"; return 0;
    case cr::config::Action::check_config: std::cout << cr::config::describe(settings, loaded.origins); return 0;
    case cr::config::Action::healthcheck: return cr::app::healthcheck(settings.server);
    case cr::config::Action::run: break;
  }
  cr::log::configure(settings.log.level, settings.log.format);
  if (core_error != 0) cr::log::warn("cannot turn core dumps off", {cr::log::kv("error", std::strerror(core_error))});
  check_file_limit(files, settings);

  // One thread runs the loop and it alone touches sockets and timers: no locks around the
  // reactor's per-socket state. (asio's resolver thread only posts completions to the scheduler,
  // which keeps its lock.)
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  std::optional<cr::app::Service> service;
  try {
    service.emplace(io, settings);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: %s\n", e.what());
    return 2;
  }
  try {
    service->connect_store();
  } catch (const cr::store::Refused& e) {
    std::fprintf(stderr, "chatrelay: %s\n", e.what());
    return 2;
  }
  try {
    service->listen();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: cannot listen on %s: %s\n", settings.server.host.c_str(), e.what());
    return 1;
  }
  service->start();
  io.run();
  return 0;
}
