// The service assembled: what each route runs, the listeners, the session expiry and the shutdown.
#include "chatrelay/app/service.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string_view>

#include "chatrelay/chat/openapi.hpp"
#include "chatrelay/chat/sessions_handler.hpp"
#include "chatrelay/chat/stream_handler.hpp"
#include "chatrelay/config/metrics_listener.hpp"
#include "chatrelay/core/deadline.hpp"
#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/http/router.hpp"
#include "chatrelay/http/server.hpp"
#include "chatrelay/memory/session_store.hpp"
#include "chatrelay/store/backend.hpp"
#include "chatrelay/openai/completions_handler.hpp"
#include "chatrelay/openai/errors.hpp"
#include "chatrelay/openai/models.hpp"
#include "chatrelay/tls/crypto.hpp"
#include "chatrelay/ui/routes.hpp"
#include "chatrelay_version.hpp"

namespace chatrelay::app {
namespace {

// `content_type` is a literal: a Response keeps only a view of it.
http1::Response document(std::string body, std::string_view content_type = "application/json") {
  http1::Response r;
  r.content_type = content_type;
  r.body = std::move(body);
  return r;
}

// Each token's principal (who owns a session) is a digest of it: stable, and not the secret.
std::vector<std::string> principals(const config::ServerSettings& server) {
  std::vector<std::string> out;
  for (const auto& token : server.auth_tokens) out.push_back(tls::sha256_hex(token).substr(0, 32));
  return out;
}

// The OpenAI-compatible API lists gemini.models, or the one model (DESIGN.md §1).
openai::ModelList model_list(const config::GeminiSettings& gemini) {
  const auto started = std::chrono::system_clock::now().time_since_epoch();
  return openai::ModelList(gemini.models.empty() ? std::vector<std::string>{gemini.model} : gemini.models,
                           std::chrono::duration_cast<std::chrono::seconds>(started).count());
}

awaitable<void> expire_sessions(memory::SessionStore& store, asio::steady_timer& timer, double ttl_s) {
  for (;;) {
    timer.expires_after(seconds_f(std::min(30.0, std::max(ttl_s / 2, 0.5))));
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (ec) co_return;
    store.expire();
  }
}

}  // namespace

struct Service::Impl {
  Impl(asio::io_context& io, const config::Settings& s)
      : io(io),
        settings(s),
        client(io, s.gemini),
        sessions(s.memory.max_history_messages, s.memory.max_sessions, seconds_f(s.memory.session_ttl_s),
                 s.memory.max_bytes, s.memory.max_session_bytes),
        backend(io, s, sessions),
        chat(s, client, backend.store()),
        session_routes(backend.store()),
        models(model_list(s.gemini)),
        completions(s, client, models.names()),
        server(io, s.server, router, principals(s.server)) {
    server.share_limits(backend.shared_limits());  // the Redis store's: they hold across instances
    add_routes();
  }

  void add_routes();
  awaitable<void> ready(http::Exchange& ex);
  http1::Response metrics_page() const;
  void watch_signals();
  void shut_down(int signal);

  asio::io_context& io;
  const config::Settings& settings;
  gemini::Client client;
  memory::SessionStore sessions;  // memory.store = "memory"
  store::Backend backend;         // the store the handlers use
  chat::StreamHandler chat;
  chat::SessionsHandler session_routes;
  openai::ModelList models;
  openai::CompletionsHandler completions;
  const std::string openapi = chat::openapi_document(CHATRELAY_VERSION);
  const std::string docs = chat::swagger_ui_page();
  http::Router router;
  http::Server server;
  // /metrics on the main port, or on a listener of its own (metrics_port) that can stay private.
  http::Router metrics_router;
  std::optional<http::Server> metrics_server;
  asio::steady_timer expiry{io};
  asio::signal_set signals{io, SIGINT, SIGTERM};
  asio::steady_timer hard_deadline{io};
};

void Service::Impl::add_routes() {
  router.add("GET", "/health", [](const http1::Message&) { return document(R"({"status":"ok"})"); });
  router.add_async("GET", "/ready", [this](http::Exchange& ex) { return ready(ex); });
  router.add("GET", "/openapi.json", [this](const http1::Message&) { return document(openapi); });
  router.add("GET", "/docs", [this](const http1::Message&) { return document(docs, "text/html; charset=utf-8"); });
  if (settings.server.ui) ui::add_routes(router);  // the chat page at / (DESIGN.md §1)
  router.add_async("POST", "/api/chat/stream", [this](http::Exchange& ex) { return chat(ex); }, /*stream_slot=*/true);
  router.add_async("GET", "/api/sessions/{id}", [this](http::Exchange& ex) { return session_routes.get(ex); });
  router.add_async("DELETE", "/api/sessions/{id}", [this](http::Exchange& ex) { return session_routes.remove(ex); });
  router.refusals_under("/v1/", openai::refusal);  // 401, 404, 429, ... in OpenAI's shape there
  router.add_async("POST", "/v1/chat/completions", [this](http::Exchange& ex) { return completions(ex); },
                   /*stream_slot=*/true);
  router.add("GET", "/v1/models", [this](const http1::Message&) { return models.list(); });
  router.add("GET", "/v1/models/{model}", [this](const http1::Message& m) {
    return models.one(m.path().substr(std::string_view("/v1/models/").size()));
  });
  if (!settings.server.metrics) return;
  auto metrics = [this](const http1::Message&) { return metrics_page(); };
  if (settings.server.metrics_port == 0) {
    router.add("GET", "/metrics", metrics);
  } else {
    metrics_router.add("GET", "/metrics", metrics);
    metrics_server.emplace(io, config::metrics_listener(settings.server), metrics_router);
  }
}

// Readiness (DESIGN.md §1): 503 while the session store does not answer, so a load balancer sends
// turns to instances that can save them; /health stays a liveness check.
awaitable<void> Service::Impl::ready(http::Exchange& ex) {
  const bool up = co_await backend.store().ready();
  const std::string_view kind = backend.kind();
  http1::Response r = document(std::string(R"({"status":")") + (up ? "ready" : "unavailable") + R"(","store":")" +
                               std::string(kind) + "\"}");
  r.status = up ? 200 : 503;
  co_await ex.respond(std::move(r));
}

http1::Response Service::Impl::metrics_page() const {
  auto& m = metrics::registry();
  m.sessions = static_cast<std::int64_t>(sessions.size());
  m.session_bytes = static_cast<std::int64_t>(sessions.bytes());
  return document(m.render(), "text/plain; version=0.0.4; charset=utf-8");
}

// Shutdown (DESIGN.md §4): the server drains within the grace period plus its allowances; the hard
// deadline is the last word (a second after the grace, whatever is still running), and a second
// signal does not wait at all. Both leave with _Exit: the loop still holds connections whose
// coroutines refer to this service.
void Service::Impl::watch_signals() {
  signals.async_wait([this](asio::error_code ec, int signal) {
    if (!ec) shut_down(signal);
  });
}

void Service::Impl::shut_down(int signal) {
  log::info("shutting down", {log::kv("signal", signal), log::kv("connections", server.active_connections())});
  signals.async_wait([](asio::error_code ec, int second) {
    if (ec) return;
    log::warn("second signal: exiting now", {log::kv("signal", second)});
    std::_Exit(128 + second);
  });
  hard_deadline.expires_after(seconds_f(settings.server.shutdown_grace_s) + std::chrono::milliseconds(950));
  hard_deadline.async_wait([this](asio::error_code ec) {
    if (ec) return;
    log::error("shutdown deadline passed: exiting with connections still open",
               {log::kv("connections", server.active_connections())});
    std::_Exit(1);
  });
  if (metrics_server) metrics_server->shutdown([] {});
  server.shutdown([this] {
    expiry.cancel();
    hard_deadline.cancel();
    client.close_idle();
    backend.stop();
    signals.cancel();
    log::info("stopped");
  });
}

Service::Service(asio::io_context& io, const config::Settings& settings)
    : impl_(std::make_unique<Impl>(io, settings)) {}

Service::~Service() = default;

void Service::connect_store() { impl_->backend.connect(); }

void Service::listen() {
  impl_->server.listen();
  if (impl_->metrics_server) impl_->metrics_server->listen();
}

void Service::start() {
  auto& s = *impl_;
  asio::co_spawn(s.io, s.server.accept_loop(), asio::detached);
  if (s.metrics_server) asio::co_spawn(s.io, s.metrics_server->accept_loop(), asio::detached);
  asio::co_spawn(s.io, expire_sessions(s.sessions, s.expiry, s.settings.memory.session_ttl_s), asio::detached);
  s.watch_signals();

  const auto& server = s.settings.server;
  if (s.metrics_server) {
    log::info("metrics listening", {log::kv("metrics_url", "http://" + server.metrics_host + ":" +
                                                               std::to_string(s.metrics_server->port()) + "/metrics")});
  }
  log::info("chatrelay listening",
            {log::kv("url", "http://" + server.host + ":" + std::to_string(s.server.port())),
             log::kv("model", s.settings.gemini.model), log::kv("upstream", s.settings.gemini.base_url)});
  std::printf("listening on http://%s:%u\n", server.host.c_str(), s.server.port());
  std::fflush(stdout);
  if (!s.settings.gemini.api_key) log::warn("no Gemini API key configured: chat requests will answer invalid_api_key");
}

}  // namespace chatrelay::app
