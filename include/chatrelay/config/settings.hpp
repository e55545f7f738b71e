// The whole effective configuration: one aggregate with a default for every field (DESIGN.md §2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chatrelay/core/log_level.hpp"

namespace chatrelay::config {

struct ServerSettings {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8000;
  std::vector<std::string> allowed_origins = {"http://localhost:5173"};
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_connections = 10000;
  double header_timeout_s = 10;    // whole request head must arrive within this
  double body_timeout_s = 30;      // whole request body must arrive within this
  double idle_timeout_s = 60;      // keep-alive connection idle between requests
  double write_timeout_s = 30;     // a client that reads nothing for this long is cut off
  double shutdown_grace_s = 8;      // inside Docker's 10 s stop timeout (DESIGN.md §2)
  // Inbound access control, all off by default so existing frontends keep working.
  std::vector<std::string> auth_tokens;  // secret: bearer tokens; empty = no authentication
  double ip_rate_per_s = 0;              // requests per second per client IP; 0 = no limit
  double ip_burst = 20;
  double session_rate_per_s = 0;         // chat turns per second per session id; 0 = no limit
  double session_burst = 3;
  std::size_t max_streams_per_ip = 0;    // concurrent chat streams per client IP; 0 = no cap
  // Prometheus exposition at GET /metrics.
  bool metrics = true;
  std::uint16_t metrics_port = 0;  // 0 = on the main port; else a separate listener on metrics_host
  std::string metrics_host = "127.0.0.1";  // private unless configured otherwise
  // The chat page at / (DESIGN.md §1); false: / and the page's files are 404.
  bool ui = true;
  // SO_REUSEPORT: several chatrelay processes listen on one port, the kernel spreads connections.
  bool reuse_port = false;
};

struct GeminiSettings {
  std::optional<std::string> api_key;  // secret: masked everywhere
  std::string model = "gemini-2.5-flash";
  // The models /v1 clients may ask for (DESIGN.md §1, OpenAI-compatible API); empty: [model].
  std::vector<std::string> models;
  std::string base_url = "https://generativelanguage.googleapis.com";
  std::optional<std::string> ca_file;  // empty = system trust store
  std::string system_prompt;           // filled with the default coding prompt by the loader
  std::optional<std::string> system_prompt_file;
  std::optional<double> temperature;
  std::optional<std::int64_t> max_output_tokens;
  std::optional<std::int64_t> thinking_budget;
  bool include_thoughts = false;
  double connect_timeout_s = 10;
  double first_byte_timeout_s = 120;
  double idle_timeout_s = 60;
  int max_retries = 2;
  double max_retry_wait_s = 20;
  std::size_t pool_size = 256;  // idle keep-alive connections kept per upstream (~12 KB each)
  bool http2 = true;            // offer h2 in ALPN; false: HTTP/1.1 only (DESIGN.md §2)
  std::size_t max_handshakes = 32;  // upstream TLS handshakes in flight at once
};

struct MemorySettings {
  std::size_t max_history_messages = 10;
  std::size_t max_sessions = 100000;
  double session_ttl_s = 86400;
  std::size_t max_bytes = 256u << 20;         // all stored history; least recently used sessions go
  std::size_t max_session_bytes = 8u << 20;   // one session; its oldest turns go
  // Where sessions live (DESIGN.md §3): in this process, or in Redis shared by every instance.
  enum class Store { memory, redis };
  Store store = Store::memory;
  std::string redis_url = "redis://127.0.0.1:6379/0";  // secret: may hold a password
  std::optional<std::string> redis_ca_file;            // rediss://; empty = system trust store
  std::string redis_prefix = "chatrelay:";              // every key starts with it
  double redis_timeout_s = 2;                           // each Redis call, and connecting
  // A busy lease's and a stream slot's life without renewal (renewed every third of it): what a
  // crashed instance leaves behind is free again after this.
  double redis_lease_s = 15;
};

struct LogSettings {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
};

struct Settings {
  ServerSettings server;
  GeminiSettings gemini;
  MemorySettings memory;
  LogSettings log;
};

// The prompt used when neither gemini.system_prompt nor gemini.system_prompt_file is set.
extern const char* const default_system_prompt;

}  // namespace chatrelay::config
