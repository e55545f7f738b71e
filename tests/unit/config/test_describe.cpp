// describe(): every key present, the API key masked, and the text loads back to the same settings.
#include <catch2/catch.hpp>

#include <sstream>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

namespace {

const char* const all_keys[] = {
    "host", "port", "allowed_origins", "max_body_bytes", "max_header_bytes", "max_connections",
    "auth_tokens", "ip_rate_per_s", "ip_burst", "session_rate_per_s", "session_burst",
    "max_streams_per_ip", "metrics", "metrics_port", "metrics_host", "ui",
    "header_timeout_s", "body_timeout_s", "idle_timeout_s", "write_timeout_s", "shutdown_grace_s",
    "api_key", "model", "models", "base_url", "ca_file", "system_prompt", "system_prompt_file",
    "temperature", "max_output_tokens", "thinking_budget", "include_thoughts",
    "connect_timeout_s", "first_byte_timeout_s", "max_retries", "max_retry_wait_s", "pool_size",
    "max_history_messages", "max_sessions", "session_ttl_s", "max_bytes", "max_session_bytes",
    "level", "format"};

bool has_line_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("describe: every key appears, set or commented") {
  TempDir dir;
  const std::string text = describe(config_test::load_in(dir).settings);
  for (const char* section : {"[server]", "[gemini]", "[memory]", "[log]"}) {
    CHECK(has_line_starting(text, section));
  }
  for (const char* key : all_keys) {
    INFO(key);
    CHECK((has_line_starting(text, std::string(key) + " = ") ||
           has_line_starting(text, "# " + std::string(key) + " = (")));
  }
  CHECK(has_line_starting(text, "# api_key = (not set)"));
  CHECK(has_line_starting(text, "# temperature = (not set: the model's default)"));
  CHECK(has_line_starting(text, "# models = (not set: [model], the model above)"));
  CHECK(has_line_starting(text, "port = 8000"));
  CHECK(has_line_starting(text, "header_timeout_s = 10.0"));
  CHECK(has_line_starting(text, "allowed_origins = [\"http://localhost:5173\"]"));
  CHECK(has_line_starting(text, "level = \"info\""));
  CHECK(has_line_starting(text, "system_prompt = \"\"\""));
}

TEST_CASE("describe: the API key never appears") {
  TempDir dir;
  const std::string key = "AIzaSyD-very-secret-key-0123456789abcdef";
  const LoadResult r = config_test::load_in(dir, {}, {{"GEMINI_API_KEY", key}});
  REQUIRE(r.settings.gemini.api_key == key);
  const std::string text = describe(r.settings, r.origins);
  CHECK(has_line_starting(text, "# api_key = <set, 40 characters, from environment variable GEMINI_API_KEY>"));
  CHECK_THAT(text, !Catch::Contains(key));
  CHECK_THAT(text, !Catch::Contains("AIza"));
  CHECK_THAT(text, !Catch::Contains("0123456789abcdef"));
  CHECK_THAT(text, !Catch::Contains("***"));
}

TEST_CASE("describe: secrets are comments, from a file too, and cannot be pasted back as values") {
  TempDir dir;
  dir.write("config.toml", "[server]\nauth_tokens = ['0123456789abcdef-one', '0123456789abcdef-two']\n"
                           "[gemini]\napi_key = 'AIzaFromTheFile'\n");
  const LoadResult r = config_test::load_in(dir);
  const std::string text = describe(r.settings, r.origins);
  const std::string file = (dir.path() / "config.toml").string();
  CHECK(has_line_starting(text, "# auth_tokens = <set, 2 tokens, from " + file + ":2>"));
  CHECK(has_line_starting(text, "# api_key = <set, 15 characters, from " + file + ":4>"));
  CHECK_THAT(text, !Catch::Contains("0123456789abcdef"));
  CHECK(has_line_starting(describe(r.settings), "# api_key = <set, 15 characters>"));
  // Loaded back, the comments set nothing.
  TempDir again;
  again.write("config.toml", text);
  const Settings reloaded = config_test::load_in(again).settings;
  CHECK_FALSE(reloaded.gemini.api_key);
  CHECK(reloaded.server.auth_tokens.empty());
}

TEST_CASE("describe: the output loads back to the same settings") {
  TempDir dir;
  dir.write("prompt.md", "Line one with \"quotes\" and a \\ backslash.\nLine two.\t\n");
  dir.write("ca.pem", "pem");
  dir.write("config.toml", R"([server]
host = "127.0.0.1"
port = 0
allowed_origins = ["*", "https://a.example:8443"]
idle_timeout_s = 0.25
[gemini]
api_key = "AIzaRoundTrip"
ca_file = "ca.pem"
system_prompt_file = "prompt.md"
temperature = 0.7
max_output_tokens = 100
thinking_budget = 0
include_thoughts = true
[log]
level = "off"
format = "json"
)");
  const Settings original = config_test::load_in(dir).settings;
  const std::string first = describe(original);

  TempDir again;
  again.write("config.toml", first);
  const Settings reloaded = config_test::load_in(again).settings;
  CHECK(reloaded.gemini.system_prompt == original.gemini.system_prompt);
  CHECK(reloaded.gemini.ca_file == original.gemini.ca_file);
  CHECK(reloaded.server.idle_timeout_s == 0.25);
  CHECK_FALSE(reloaded.gemini.api_key);  // left out, by design: all else is the same
  Settings with_key = reloaded;
  with_key.gemini.api_key = original.gemini.api_key;
  CHECK(describe(with_key) == first);
}

TEST_CASE("describe: an inline prompt with awkward characters round-trips") {
  TempDir dir;
  const std::string prompt = "Say \"\"\"hi\"\"\" \\ then\r\nend\x01 with ``` fences\n";
  Settings s = config_test::load_in(dir).settings;
  s.gemini.system_prompt = prompt;
  dir.write("config.toml", describe(s));
  CHECK(config_test::load_in(dir).settings.gemini.system_prompt == prompt);
}

TEST_CASE("describe: the default prompt round-trips") {
  TempDir dir;
  dir.write("config.toml", describe(config_test::load_in(dir).settings));
  CHECK(config_test::load_in(dir).settings.gemini.system_prompt == default_system_prompt);
}
