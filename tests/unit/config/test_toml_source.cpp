// The TOML file: structure, unknown names, syntax errors, and the line in every message.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

TEST_CASE("toml: a full file sets every section") {
  TempDir dir;
  dir.write("config.toml", R"(# comment
[server]
host = "127.0.0.1"
port = 9000
allowed_origins = ["https://a.example", "http://localhost:3000"]

[gemini]
api_key = "AIzaTest"
model = "gemini-2.5-pro"
temperature = 0.2
max_output_tokens = 2048
thinking_budget = 0
include_thoughts = true
max_retries = 5

[memory]
max_history_messages = 20

[log]
level = "debug"
format = "json"
)");
  const LoadResult r = config_test::load_in(dir);
  CHECK(r.config_file == dir.path() / "config.toml");
  CHECK(r.sources == std::vector<std::string>{(dir.path() / "config.toml").string()});
  const Settings& s = r.settings;
  CHECK(s.server.host == "127.0.0.1");
  CHECK(s.server.port == 9000);
  CHECK(s.server.allowed_origins ==
        std::vector<std::string>{"https://a.example", "http://localhost:3000"});
  CHECK(s.gemini.api_key == "AIzaTest");
  CHECK(s.gemini.model == "gemini-2.5-pro");
  CHECK(s.gemini.temperature == Approx(0.2));
  CHECK(s.gemini.max_output_tokens == 2048);
  CHECK(s.gemini.thinking_budget == 0);
  CHECK(s.gemini.include_thoughts);
  CHECK(s.gemini.max_retries == 5);
  CHECK(s.memory.max_history_messages == 20);
  CHECK(s.log.level == chatrelay::LogLevel::debug);
  CHECK(s.log.format == chatrelay::LogFormat::json);
}

TEST_CASE("toml: dotted keys and an empty file") {
  TempDir dir;
  dir.write("config.toml", "server.port = 1234\ngemini.model = \"m\"\n");
  CHECK(config_test::load_in(dir).settings.server.port == 1234);
  dir.write("config.toml", "");
  CHECK(config_test::load_in(dir).settings.server.port == 8000);
}

TEST_CASE("toml: an unknown key names file, line and a likely fix") {
  TempDir dir;
  dir.write("config.toml", "[server]\nhost = \"h\"\n\nprot = 1\n");
  CHECK(config_test::load_error(dir) ==
        (dir.path() / "config.toml").string() +
            ":4: server.prot: unknown key; did you mean port? ([server] keys are host, port, "
            "allowed_origins, max_body_bytes, max_header_bytes, max_connections, "
            "header_timeout_s, body_timeout_s, idle_timeout_s, write_timeout_s, "
            "shutdown_grace_s, auth_tokens, ip_rate_per_s, ip_burst, session_rate_per_s, "
            "session_burst, max_streams_per_ip, metrics, metrics_port, metrics_host, ui, reuse_port)");
  dir.write("config.toml", "[log]\ncolour = true\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::EndsWith(":2: log.colour: unknown key ([log] keys are level, format)"));
}

TEST_CASE("toml: an unknown section names file and line") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 1\n[gemeni]\nmodel = \"x\"\n");
  CHECK(config_test::load_error(dir) ==
        (dir.path() / "config.toml").string() +
            ":3: gemeni: unknown section; did you mean [gemini]? (sections are server, gemini, "
            "memory, log)");
  dir.write("config.toml", "title = \"x\"\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::EndsWith(":1: title: unknown section (sections are server, gemini, memory, "
                             "log)"));
}

TEST_CASE("toml: a section must be a table") {
  TempDir dir;
  dir.write("config.toml", "server = 5\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::EndsWith(":1: server: expected a table, written [server] (got 5)"));
  dir.write("config.toml", "[[server]]\nport = 1\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::Contains(":1: server: expected a table"));
}

TEST_CASE("toml: a nested table inside a section is an unknown key") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 1\n[server.tls]\ncert = \"x\"\n");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains(":3: server.tls: unknown key"));
}

TEST_CASE("toml: the first mistake in file order is reported") {
  TempDir dir;
  // toml++ keeps keys sorted by name; "zzz" on line 2 must still win over "aaa" on line 3.
  dir.write("config.toml", "[server]\nzzz = 1\naaa = 2\n");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains(":2: server.zzz: unknown key"));
  dir.write("config.toml", "[server]\nport = 1\nmax_connections = 0\nhost = \"\"\n");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains(":3: server.max_connections:"));
}

TEST_CASE("toml: syntax errors give line and column") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 80\nhost = \"unterminated\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::StartsWith((dir.path() / "config.toml").string() + ":3:") &&
                 Catch::Contains("not valid TOML"));
  dir.write("config.toml", "[server]\nport = 1\nport = 2\n");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains(":3:") && Catch::Contains("not valid TOML"));
}

TEST_CASE("toml: an explicit --config file is named as given") {
  TempDir dir;
  dir.write("etc/relay.toml", "[server]\nport = \"x\"\n");
  CHECK_THAT(config_test::load_error(dir, {"--config", "etc/relay.toml"}),
             Catch::StartsWith("etc/relay.toml:2: server.port: expected an integer"));
}

TEST_CASE("toml: a config.toml that is a directory is an error") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "config.toml");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains("not a regular file"));
}
