// Every key's type, range and checks, as any source sees them (here through config.toml).
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

namespace {

// Loads "[section]\n<line>" as ./config.toml.
LoadResult load_line(const TempDir& dir, const std::string& section, const std::string& line) {
  dir.write("config.toml", "[" + section + "]\n" + line + "\n");
  return config_test::load_in(dir);
}

std::string error_line(const TempDir& dir, const std::string& section, const std::string& line) {
  dir.write("config.toml", "[" + section + "]\n" + line + "\n");
  return config_test::load_error(dir);
}

}  // namespace

TEST_CASE("keys: each numeric key refuses values outside its range, naming the range") {
  struct Case {
    const char* section;
    const char* line;
    const char* expected;  // the message after "<file>:2: "
  };
  const Case cases[] = {
      {"server", "port = 70000",
       "server.port: expected an integer in 0..65535 (0 picks any free port) (got 70000)"},
      {"server", "port = -1",
       "server.port: expected an integer in 0..65535 (0 picks any free port) (got -1)"},
      {"server", "max_body_bytes = 1023",
       "server.max_body_bytes: expected an integer in 1024..1073741824 (1 KiB to 1 GiB) "
       "(got 1023)"},
      {"server", "max_header_bytes = 2000000",
       "server.max_header_bytes: expected an integer in 1024..1048576 (1 KiB to 1 MiB) "
       "(got 2000000)"},
      {"server", "max_connections = 0",
       "server.max_connections: expected an integer in 1..1000000 (got 0)"},
      {"server", "header_timeout_s = 0",
       "server.header_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got 0)"},
      {"server", "body_timeout_s = 86400.5",
       "server.body_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got 86400.5)"},
      {"server", "idle_timeout_s = -3",
       "server.idle_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got -3)"},
      {"server", "write_timeout_s = nan",
       "server.write_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got nan)"},
      {"server", "shutdown_grace_s = inf",
       "server.shutdown_grace_s: expected a number of seconds in 0..86400 (got inf)"},
      {"gemini", "temperature = 2.5", "gemini.temperature: expected a number in 0..2 (got 2.5)"},
      {"gemini", "max_output_tokens = 0",
       "gemini.max_output_tokens: expected an integer in 1..1048576 (got 0)"},
      {"gemini", "thinking_budget = -2",
       "gemini.thinking_budget: expected an integer in -1..32768 (-1 = dynamic, 0 = off where "
       "the model allows it) (got -2)"},
      {"gemini", "connect_timeout_s = 0.0",
       "gemini.connect_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got 0.0)"},
      {"gemini", "first_byte_timeout_s = 100000",
       "gemini.first_byte_timeout_s: expected a number of seconds, more than 0 and at most "
       "86400 (got 100000)"},
      {"gemini", "idle_timeout_s = 0",
       "gemini.idle_timeout_s: expected a number of seconds, more than 0 and at most 86400 "
       "(got 0)"},
      {"gemini", "max_retries = 11", "gemini.max_retries: expected an integer in 0..10 (got 11)"},
      {"gemini", "max_retry_wait_s = 3601",
       "gemini.max_retry_wait_s: expected a number of seconds in 0..3600 (got 3601)"},
      {"gemini", "pool_size = 5000",
       "gemini.pool_size: expected an integer in 0..4096 (0 keeps no idle connections) "
       "(got 5000)"},
      {"memory", "max_history_messages = 0",
       "memory.max_history_messages: expected an integer in 1..1000 (got 0)"},
      {"memory", "max_history_messages = 1001",
       "memory.max_history_messages: expected an integer in 1..1000 (got 1001)"},
      {"memory", "max_sessions = 0",
       "memory.max_sessions: expected an integer in 1..10000000 (got 0)"},
      {"memory", "session_ttl_s = 0",
       "memory.session_ttl_s: expected a number of seconds, more than 0 and at most 31536000 "
       "(a year) (got 0)"},
      {"memory", "max_bytes = 1048575",
       "memory.max_bytes: expected an integer in 1048576..1099511627776 (1 MiB to 1 TiB) "
       "(got 1048575)"},
      {"memory", "max_session_bytes = 65535",
       "memory.max_session_bytes: expected an integer in 65536..68719476736 (64 KiB to 64 GiB) "
       "(got 65535)"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    INFO(c.line);
    CHECK(error_line(dir, c.section, c.line) ==
          (dir.path() / "config.toml").string() + ":2: " + c.expected);
  }
}

TEST_CASE("keys: the edges of each range are accepted") {
  TempDir dir;
  dir.write("config.toml",
            "[server]\nport = 0\nmax_body_bytes = 1024\nmax_header_bytes = 1048576\n"
            "max_connections = 1\nheader_timeout_s = 0.001\nbody_timeout_s = 86400\n"
            "shutdown_grace_s = 0\n"
            "[gemini]\ntemperature = 0\nmax_output_tokens = 1048576\nthinking_budget = -1\n"
            "max_retries = 0\nmax_retry_wait_s = 0\npool_size = 0\n"
            "[memory]\nmax_history_messages = 1000\nmax_sessions = 10000000\n"
            "session_ttl_s = 31536000\nmax_bytes = 1099511627776\nmax_session_bytes = 65536\n");
  const Settings s = config_test::load_in(dir).settings;
  CHECK(s.server.port == 0);
  CHECK(s.server.max_body_bytes == 1024);
  CHECK(s.server.max_header_bytes == 1048576);
  CHECK(s.server.max_connections == 1);
  CHECK(s.server.header_timeout_s == Approx(0.001));
  CHECK(s.server.body_timeout_s == 86400);
  CHECK(s.server.shutdown_grace_s == 0);
  CHECK(s.gemini.temperature == 0.0);
  CHECK(s.gemini.max_output_tokens == 1048576);
  CHECK(s.gemini.thinking_budget == -1);
  CHECK(s.gemini.max_retries == 0);
  CHECK(s.gemini.max_retry_wait_s == 0);
  CHECK(s.gemini.pool_size == 0);
  CHECK(s.memory.max_history_messages == 1000);
  CHECK(s.memory.max_sessions == 10000000);
  CHECK(s.memory.session_ttl_s == 31536000);
  CHECK(s.memory.max_bytes == 1099511627776u);
  CHECK(s.memory.max_session_bytes == 65536);
}

TEST_CASE("keys: a session's budget holds the largest accepted message and an answer as long") {
  TempDir dir;
  // The defaults: 8 MiB per session, 1 MiB bodies.
  CHECK(config_test::load_error(dir).empty());
  CHECK(config_test::load_error(dir, {"--set", "server.max_body_bytes=4194304"}).empty());
  CHECK(config_test::load_error(dir, {"--set", "server.max_body_bytes=4194305"}) ==
        "memory.max_session_bytes = 8388608 is less than twice server.max_body_bytes = 4194305: the "
        "largest message the server accepts, and an answer as long, must fit in one session's "
        "history; raise memory.max_session_bytes to at least 8388610 or lower server.max_body_bytes");
  CHECK(config_test::load_error(dir, {"--set", "server.max_body_bytes=4194305", "--set",
                                      "memory.max_session_bytes=8388610"})
            .empty());
  CHECK(config_test::load_error(dir, {"--set", "memory.max_bytes=4194304"}) ==
        "memory.max_session_bytes = 8388608 is more than memory.max_bytes = 4194304: one session "
        "cannot hold more than all of them; lower it or raise memory.max_bytes");
}

TEST_CASE("keys: integers are accepted where a number is wanted, not the other way round") {
  TempDir dir;
  CHECK(load_line(dir, "gemini", "temperature = 1").settings.gemini.temperature == 1.0);
  CHECK(load_line(dir, "server", "idle_timeout_s = 5").settings.server.idle_timeout_s == 5.0);
  CHECK_THAT(error_line(dir, "server", "port = 80.0"),
             Catch::EndsWith("server.port: expected an integer in 0..65535 (0 picks any free "
                             "port) (got 80.0)"));
}

TEST_CASE("keys: wrong types say what was given") {
  TempDir dir;
  CHECK_THAT(error_line(dir, "server", "port = \"8000\""), Catch::EndsWith("(got \"8000\")"));
  CHECK_THAT(error_line(dir, "server", "host = 1"),
             Catch::Contains(":2: server.host: expected a host name"));
  CHECK_THAT(error_line(dir, "server", "allowed_origins = \"http://a\""),
             Catch::Contains(":2: server.allowed_origins: expected an array of \"*\""));
  CHECK_THAT(error_line(dir, "server", "allowed_origins = [1, 2]"),
             Catch::EndsWith("(got an array with a non-string item)"));
  CHECK_THAT(error_line(dir, "gemini", "include_thoughts = \"yes\""),
             Catch::EndsWith("gemini.include_thoughts: expected true or false (got \"yes\")"));
  CHECK_THAT(error_line(dir, "gemini", "model = { name = \"x\" }"),
             Catch::EndsWith("(got a table)"));
  CHECK_THAT(error_line(dir, "memory", "session_ttl_s = 1979-05-27"),
             Catch::EndsWith("(got a date or time)"));
  CHECK_THAT(error_line(dir, "log", "level = 3"),
             Catch::EndsWith("log.level: expected one of \"debug\", \"info\", \"warn\", "
                             "\"error\", \"off\" (got 3)"));
}

TEST_CASE("keys: long values are shortened in messages") {
  TempDir dir;
  const std::string message = error_line(dir, "gemini", "model = \"" + std::string(300, 'x') + "!\"");
  CHECK_THAT(message, Catch::EndsWith("...)"));
  CHECK(message.size() < 300);
}

TEST_CASE("keys: host") {
  TempDir dir;
  CHECK(load_line(dir, "server", "host = \"127.0.0.1\"").settings.server.host == "127.0.0.1");
  CHECK(load_line(dir, "server", "host = \"::\"").settings.server.host == "::");
  CHECK(load_line(dir, "server", "host = \"[::1]\"").settings.server.host == "::1");
  CHECK(load_line(dir, "server", "host = \"localhost\"").settings.server.host == "localhost");
  CHECK_THAT(error_line(dir, "server", "host = \"\""), Catch::EndsWith("(got \"\")"));
  CHECK_THAT(error_line(dir, "server", "host = \"a b\""),
             Catch::Contains("server.host: expected a host name or IP address"));
}

TEST_CASE("keys: allowed_origins entries are \"*\" or scheme://host[:port]") {
  TempDir dir;
  const auto origins = [&](const std::string& array) {
    return load_line(dir, "server", "allowed_origins = " + array).settings.server.allowed_origins;
  };
  using List = std::vector<std::string>;
  CHECK(origins("[]").empty());
  CHECK(origins(R"(["*"])") == List{"*"});
  CHECK(origins(R"(["HTTPS://App.Example.com:8443", "http://[::1]:5173", "tauri://localhost"])") ==
        List{"https://app.example.com:8443", "http://[::1]:5173", "tauri://localhost"});
  for (const char* bad : {"http://a.example/", "http://a.example/path", "a.example",
                          "http://", "http://a:0", "http://a:99999", "http://a:x",
                          "http://user@a", "://a", "1http://a", "http://a b"}) {
    INFO(bad);
    CHECK_THAT(error_line(dir, "server", std::string("allowed_origins = [\"http://ok\", \"") +
                                              bad + "\"]"),
               Catch::Contains("server.allowed_origins: expected an array of \"*\" or origins") &&
                   Catch::EndsWith(std::string("(got \"") + bad + "\")"));
  }
}

TEST_CASE("keys: base_url needs https://host and no query") {
  TempDir dir;
  const auto url = [&](const std::string& value) {
    return load_line(dir, "gemini", "base_url = \"" + value + "\"").settings.gemini.base_url;
  };
  CHECK(url("https://127.0.0.1:8443") == "https://127.0.0.1:8443");
  CHECK(url("HTTPS://Proxy.Example/gemini/") == "https://proxy.example/gemini");
  CHECK(url("https://generativelanguage.googleapis.com/") ==
        "https://generativelanguage.googleapis.com");
  for (const char* bad : {"ftp://a", "http://127.0.0.1:8443", "generativelanguage.googleapis.com", "https://", "https:///x",
                          "https://a?key=1", "https://a#x", "https://a:70000", "https://a b"}) {
    INFO(bad);
    CHECK_THAT(error_line(dir, "gemini", std::string("base_url = \"") + bad + "\""),
               Catch::Contains("gemini.base_url: expected an https:// URL"));
  }
  CHECK_THAT(error_line(dir, "gemini", "base_url = \"http://127.0.0.1:8443\""),
             Catch::Contains("http:// is refused"));
}

TEST_CASE("keys: model names") {
  TempDir dir;
  const auto model = [&](const std::string& value) {
    return load_line(dir, "gemini", "model = \"" + value + "\"").settings.gemini.model;
  };
  CHECK(model("gemini-2.5-pro") == "gemini-2.5-pro");
  CHECK(model("models/gemini-2.0-flash_exp") == "gemini-2.0-flash_exp");
  for (const char* bad : {"", "models/", "gemini 2.5", "a/b", "x:streamGenerateContent"}) {
    INFO(bad);
    CHECK_THAT(error_line(dir, "gemini", std::string("model = \"") + bad + "\""),
               Catch::Contains("gemini.model: expected a model name"));
  }
}

TEST_CASE("keys: models is a non-empty list of model names, duplicates dropped") {
  TempDir dir;
  const auto models = [&](const std::string& value) {
    return load_line(dir, "gemini", "models = " + value).settings.gemini.models;
  };
  CHECK(config_test::load_in(dir).settings.gemini.models.empty());  // unset: [gemini.model]
  CHECK(models(R"(["gemini-2.5-pro", "models/fake-normal", "gemini-2.5-pro"])") ==
        std::vector<std::string>{"gemini-2.5-pro", "fake-normal"});
  for (const char* bad : {"[]", "\"gemini-2.5-pro\"", "[\"a/b\"]", "[\"\"]", "[1]"}) {
    INFO(bad);
    CHECK_THAT(error_line(dir, "gemini", std::string("models = ") + bad),
               Catch::Contains("gemini.models: expected a non-empty array of model names"));
  }
  dir.write("config.toml", "");  // the loop above left a bad file behind
  const auto from_env = config_test::load_in(dir, {}, {{"CHATRELAY_GEMINI_MODELS", "fake-normal, fake-429"}});
  CHECK(from_env.settings.gemini.models == std::vector<std::string>{"fake-normal", "fake-429"});
}

TEST_CASE("keys: api_key errors never echo the key") {
  TempDir dir;
  const std::string message = error_line(dir, "gemini", "api_key = \"AIza secret key\"");
  CHECK_THAT(message, Catch::Contains("gemini.api_key: expected an API key"));
  CHECK_THAT(message, Catch::EndsWith("(got a string of 15 characters)"));
  CHECK_THAT(message, !Catch::Contains("AIza"));
  CHECK_THAT(error_line(dir, "gemini", "api_key = [\"AIzaXYZ\"]"),
             !Catch::Contains("AIzaXYZ"));
  CHECK(load_line(dir, "gemini", "api_key = \"AIzaOK\"").settings.gemini.api_key == "AIzaOK");
  CHECK_FALSE(load_line(dir, "gemini", "api_key = \"\"").settings.gemini.api_key);
}

TEST_CASE("keys: log level and format, case-insensitive") {
  TempDir dir;
  CHECK(load_line(dir, "log", "level = \"DEBUG\"").settings.log.level == chatrelay::LogLevel::debug);
  CHECK(load_line(dir, "log", "level = \"off\"").settings.log.level == chatrelay::LogLevel::off);
  CHECK(load_line(dir, "log", "format = \"json\"").settings.log.format ==
        chatrelay::LogFormat::json);
  CHECK_THAT(error_line(dir, "log", "format = \"yaml\""),
             Catch::EndsWith("log.format: expected one of \"text\" (for people), \"json\" (one "
                             "object per line, for machines) (got \"yaml\")"));
}

TEST_CASE("keys: ca_file must exist and resolves against the TOML file's directory") {
  TempDir dir;
  const auto pem = dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  dir.write("conf/config.toml", "[gemini]\nca_file = \"../certs/ca.pem\"\n");
  CHECK(config_test::load_in(dir, {"--config", "conf/config.toml"}).settings.gemini.ca_file ==
        pem.string());
  dir.write("conf/config.toml", "[gemini]\nca_file = \"missing.pem\"\n");
  CHECK_THAT(config_test::load_error(dir, {"--config", "conf/config.toml"}),
             Catch::StartsWith("conf/config.toml:2: gemini.ca_file: expected the path of an "
                               "existing PEM file") &&
                 Catch::Contains((dir.path() / "conf" / "missing.pem").string()));
  dir.write("conf/config.toml", "[gemini]\nca_file = \"\"\n");
  CHECK_FALSE(config_test::load_in(dir, {"--config", "conf/config.toml"}).settings.gemini.ca_file);
}
