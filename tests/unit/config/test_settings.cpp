// The built-in defaults, including the system prompt the loader falls back to.
#include <catch2/catch.hpp>

#include "chatrelay/config/settings.hpp"
#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

TEST_CASE("default system prompt asks for complete, fenced, language-tagged code") {
  const std::string prompt = default_system_prompt;
  CHECK_THAT(prompt, Catch::Contains("fenced"));
  CHECK_THAT(prompt, Catch::Contains("```html"));
  CHECK_THAT(prompt, Catch::Contains("language"));
  CHECK_THAT(prompt, Catch::Contains("self-contained"));
  CHECK_THAT(prompt, Catch::Contains("complete"));
}

TEST_CASE("loading nothing gives the documented defaults") {
  TempDir dir;
  const LoadResult r = config_test::load_in(dir);
  const Settings& s = r.settings;
  CHECK(r.action == Action::run);
  CHECK_FALSE(r.config_file);
  CHECK(r.sources.empty());
  CHECK(s.server.host == "0.0.0.0");
  CHECK(s.server.port == 8000);
  CHECK(s.server.allowed_origins == std::vector<std::string>{"http://localhost:5173"});
  CHECK(s.server.max_body_bytes == 1024 * 1024);
  CHECK(s.server.max_header_bytes == 16 * 1024);
  CHECK(s.server.max_connections == 10000);
  CHECK(s.server.header_timeout_s == 10);
  CHECK(s.server.idle_timeout_s == 60);
  CHECK(s.server.shutdown_grace_s == 8);
  CHECK_FALSE(s.gemini.api_key);
  CHECK(s.gemini.model == "gemini-2.5-flash");
  CHECK(s.gemini.base_url == "https://generativelanguage.googleapis.com");
  CHECK_FALSE(s.gemini.ca_file);
  CHECK(s.gemini.system_prompt == default_system_prompt);
  CHECK_FALSE(s.gemini.system_prompt_file);
  CHECK_FALSE(s.gemini.temperature);
  CHECK_FALSE(s.gemini.max_output_tokens);
  CHECK_FALSE(s.gemini.thinking_budget);
  CHECK_FALSE(s.gemini.include_thoughts);
  CHECK(s.gemini.connect_timeout_s == 10);
  CHECK(s.gemini.first_byte_timeout_s == 120);
  CHECK(s.gemini.idle_timeout_s == 60);
  CHECK(s.gemini.max_retries == 2);
  CHECK(s.gemini.max_retry_wait_s == 20);
  CHECK(s.memory.max_history_messages == 10);
  CHECK(s.memory.max_sessions == 100000);
  CHECK(s.memory.session_ttl_s == 86400);
  CHECK(s.memory.max_bytes == 256u * 1024 * 1024);
  CHECK(s.memory.max_session_bytes == 8u * 1024 * 1024);
  CHECK(s.log.level == chatrelay::LogLevel::info);
  CHECK(s.log.format == chatrelay::LogFormat::text);
}
