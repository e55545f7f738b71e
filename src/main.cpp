// chatrelay: only wiring — arguments → config → io_context → routes → listener → signals → run.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "chatrelay/chat/openapi.hpp"
#include "chatrelay/chat/sessions_handler.hpp"
#include "chatrelay/chat/stream_handler.hpp"
#include "chatrelay/config/loader.hpp"
#include "chatrelay/config/metrics_listener.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/core/process_limits.hpp"
#include "chatrelay/core/secret.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/http/router.hpp"
#include "chatrelay/http/server.hpp"
#include "chatrelay/memory/session_store.hpp"
#include "chatrelay/tls/crypto.hpp"
#include "chatrelay/ui/routes.hpp"
#include "chatrelay/openai/completions_handler.hpp"
#include "chatrelay/openai/errors.hpp"
#include "chatrelay/openai/models.hpp"
#include "chatrelay_version.hpp"

namespace cr = chatrelay;

namespace {

// --healthcheck: GET /health on the configured port, for container HEALTHCHECKs without a shell.
int healthcheck(const cr::config::Settings& s) {
  try {
    asio::io_context io;
    cr::tcp::socket sock(io);
    std::string host = s.server.host == "0.0.0.0" ? "127.0.0.1" : s.server.host == "::" ? "::1" : s.server.host;
    asio::connect(sock, cr::tcp::resolver(io).resolve(host, std::to_string(s.server.port)));
    std::string req = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    asio::write(sock, asio::buffer(req));
    std::string resp;
    asio::error_code ec;
    asio::read(sock, asio::dynamic_buffer(resp), ec);
    return resp.rfind("HTTP/1.1 200", 0) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: healthcheck failed: %s\n", e.what());
    return 1;
  }
}

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

cr::awaitable<void> expire_sessions(cr::memory::SessionStore& store, asio::steady_timer& timer, double ttl_s) {
  for (;;) {
    timer.expires_after(cr::seconds_f(std::min(30.0, std::max(ttl_s / 2, 0.5))));
    auto [ec] = co_await timer.async_wait(cr::use_tuple);
    if (ec) co_return;
    store.expire();
  }
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
    case cr::config::Action::healthcheck: return healthcheck(settings);
    case cr::config::Action::run: break;
  }
  cr::log::configure(settings.log.level, settings.log.format);
  if (core_error != 0) cr::log::warn("cannot turn core dumps off", {cr::log::kv("error", std::strerror(core_error))});
  check_file_limit(files, settings);

  // One thread runs the loop and it alone touches sockets and timers: no locks around the
  // reactor's per-socket state. (asio's resolver thread only posts completions to the scheduler,
  // which keeps its lock.)
  asio::io_context io(ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  std::optional<cr::gemini::Client> client;
  try {
    client.emplace(io, settings.gemini);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: %s\n", e.what());
    return 2;
  }
  const auto& mem = settings.memory;
  cr::memory::SessionStore sessions(mem.max_history_messages, mem.max_sessions, cr::seconds_f(mem.session_ttl_s),
                                    mem.max_bytes, mem.max_session_bytes);
  cr::chat::StreamHandler chat(settings, *client, sessions);
  cr::chat::SessionsHandler session_routes(sessions);
  // The OpenAI-compatible API (DESIGN.md §1): gemini.models, or the one model.
  const auto started = std::chrono::system_clock::now().time_since_epoch();
  cr::openai::ModelList models(settings.gemini.models.empty() ? std::vector<std::string>{settings.gemini.model}
                                                              : settings.gemini.models,
                               std::chrono::duration_cast<std::chrono::seconds>(started).count());
  cr::openai::CompletionsHandler completions(settings, *client, models.names());

  cr::http::Router router;
  router.add("GET", "/health", [](const cr::http1::Message&) {
    cr::http1::Response r;
    r.body = R"({"status":"ok"})";
    return r;
  });
  const std::string openapi = cr::chat::openapi_document(CHATRELAY_VERSION);
  router.add("GET", "/openapi.json", [&](const cr::http1::Message&) {
    cr::http1::Response r;
    r.body = openapi;
    return r;
  });
  const std::string docs = cr::chat::swagger_ui_page();
  router.add("GET", "/docs", [&](const cr::http1::Message&) {
    cr::http1::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = docs;
    return r;
  });
  if (settings.server.ui) cr::ui::add_routes(router);  // the chat page at / (DESIGN.md §1)
  router.add_async("POST", "/api/chat/stream", [&](cr::http::Exchange& ex) { return chat(ex); },
                   /*stream_slot=*/true);
  router.refusals_under("/v1/", cr::openai::refusal);  // 401, 404, 429, ... in OpenAI's shape there
  router.add_async("POST", "/v1/chat/completions", [&](cr::http::Exchange& ex) { return completions(ex); },
                   /*stream_slot=*/true);
  router.add("GET", "/v1/models", [&](const cr::http1::Message&) { return models.list(); });
  router.add("GET", "/v1/models/{model}", [&](const cr::http1::Message& m) {
    return models.one(m.path().substr(std::string_view("/v1/models/").size()));
  });
  router.add_async("GET", "/api/sessions/{id}", [&](cr::http::Exchange& ex) { return session_routes.get(ex); });
  router.add_async("DELETE", "/api/sessions/{id}", [&](cr::http::Exchange& ex) { return session_routes.remove(ex); });
  auto metrics = [&](const cr::http1::Message&) {
    cr::metrics::registry().sessions = static_cast<std::int64_t>(sessions.size());
    cr::metrics::registry().session_bytes = static_cast<std::int64_t>(sessions.bytes());
    cr::http1::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = cr::metrics::registry().render();
    return r;
  };
  // /metrics on the main port, or on a listener of its own (metrics_port) that can stay private.
  cr::http::Router metrics_router;
  std::optional<cr::http::Server> metrics_server;
  if (settings.server.metrics && settings.server.metrics_port == 0) router.add("GET", "/metrics", metrics);
  if (settings.server.metrics && settings.server.metrics_port != 0) {
    metrics_router.add("GET", "/metrics", metrics);
    metrics_server.emplace(io, cr::config::metrics_listener(settings.server), metrics_router);
  }

  // Each token's principal (who owns a session) is a digest of it: stable, and not the secret.
  std::vector<std::string> principals;
  for (const auto& token : settings.server.auth_tokens) principals.push_back(cr::tls::sha256_hex(token).substr(0, 32));
  cr::http::Server server(io, settings.server, router, std::move(principals));
  try {
    server.listen();
    if (metrics_server) metrics_server->listen();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatrelay: cannot listen on %s: %s\n", settings.server.host.c_str(), e.what());
    return 1;
  }
  asio::co_spawn(io, server.accept_loop(), asio::detached);
  if (metrics_server) asio::co_spawn(io, metrics_server->accept_loop(), asio::detached);
  asio::steady_timer expiry(io);
  asio::co_spawn(io, expire_sessions(sessions, expiry, settings.memory.session_ttl_s), asio::detached);

  // Shutdown (DESIGN.md §4): the server drains within the grace period plus its allowances; this
  // deadline is the last word (a second after the grace, whatever is still running), and a
  // second signal does not wait at all. Both leave with _Exit: the loop still holds connections
  // whose coroutines refer to objects of this frame.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer hard_deadline(io);
  std::function<void(asio::error_code, int)> on_second_signal = [](asio::error_code ec, int sig) {
    if (ec) return;
    cr::log::warn("second signal: exiting now", {cr::log::kv("signal", sig)});
    std::_Exit(128 + sig);
  };
  signals.async_wait([&](asio::error_code ec, int sig) {
    if (ec) return;
    cr::log::info("shutting down", {cr::log::kv("signal", sig), cr::log::kv("connections", server.active_connections())});
    signals.async_wait(on_second_signal);
    hard_deadline.expires_after(cr::seconds_f(settings.server.shutdown_grace_s) + std::chrono::milliseconds(950));
    hard_deadline.async_wait([&](asio::error_code ec) {
      if (ec) return;
      cr::log::error("shutdown deadline passed: exiting with connections still open",
                     {cr::log::kv("connections", server.active_connections())});
      std::_Exit(1);
    });
    if (metrics_server) metrics_server->shutdown([] {});
    server.shutdown([&] {
      expiry.cancel();
      hard_deadline.cancel();
      client->close_idle();
      signals.cancel();
      cr::log::info("stopped");
    });
  });

  if (metrics_server)
    cr::log::info("metrics listening",
                  {cr::log::kv("metrics_url", "http://" + settings.server.metrics_host + ":" +
                                                  std::to_string(metrics_server->port()) + "/metrics")});
  cr::log::info("chatrelay listening",
                {cr::log::kv("url", "http://" + settings.server.host + ":" + std::to_string(server.port())),
                 cr::log::kv("model", settings.gemini.model), cr::log::kv("upstream", settings.gemini.base_url)});
  // Always on stdout, whatever the log level: scripts and tests read the port from here.
  std::printf("listening on http://%s:%u\n", settings.server.host.c_str(), server.port());
  std::fflush(stdout);
  if (!settings.gemini.api_key)
    cr::log::warn("no Gemini API key configured: chat requests will answer invalid_api_key");
  io.run();
  return 0;
}
