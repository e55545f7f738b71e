// Command-line flags: shortcuts, --set, actions and every way to get them wrong.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

TEST_CASE("args: shortcut flags, separate and with '='") {
  TempDir dir;
  const Settings s = config_test::load_in(dir, {"--host", "127.0.0.1", "--port=9001", "--model",
                                                "gemini-2.5-pro", "--log-level=warn",
                                                "--log-format", "json"})
                         .settings;
  CHECK(s.server.host == "127.0.0.1");
  CHECK(s.server.port == 9001);
  CHECK(s.gemini.model == "gemini-2.5-pro");
  CHECK(s.log.level == chatrelay::LogLevel::warn);
  CHECK(s.log.format == chatrelay::LogFormat::json);
}

TEST_CASE("args: --set takes TOML values, bare words as strings") {
  TempDir dir;
  const Settings s =
      config_test::load_in(dir, {"--set", "server.port=9000", "--set=gemini.temperature=0.5",
                                 "--set", "gemini.model=\"gemini-x\"", "--set",
                                 "gemini.include_thoughts=true", "--set",
                                 "server.allowed_origins=[\"http://a\", \"http://b\"]", "--set",
                                 "log.level=error", "--set", "gemini.thinking_budget=-1",
                                 "--set", " memory.max_history_messages = 4 "})
          .settings;
  CHECK(s.server.port == 9000);
  CHECK(s.gemini.temperature == 0.5);
  CHECK(s.gemini.model == "gemini-x");
  CHECK(s.gemini.include_thoughts);
  CHECK(s.server.allowed_origins == std::vector<std::string>{"http://a", "http://b"});
  CHECK(s.log.level == chatrelay::LogLevel::error);
  CHECK(s.gemini.thinking_budget == -1);
  CHECK(s.memory.max_history_messages == 4);
}

TEST_CASE("args: --set text keys take any text as is") {
  TempDir dir;
  const Settings s = config_test::load_in(dir, {"--set", "gemini.model=2.5",
                                                "--set", "gemini.system_prompt=Be brief. Use C++.",
                                                "--set", "server.allowed_origins=http://a, http://b"})
                         .settings;
  CHECK(s.gemini.model == "2.5");
  CHECK(s.gemini.system_prompt == "Be brief. Use C++.");
  CHECK(s.server.allowed_origins == std::vector<std::string>{"http://a", "http://b"});
}

TEST_CASE("args: a later flag wins") {
  TempDir dir;
  CHECK(config_test::load_in(dir, {"--port", "1", "--set", "server.port=2"}).settings.server.port ==
        2);
  CHECK(config_test::load_in(dir, {"--set", "server.port=2", "--port", "3"}).settings.server.port ==
        3);
}

TEST_CASE("args: actions") {
  TempDir dir;
  CHECK(config_test::load_in(dir).action == Action::run);
  CHECK(config_test::load_in(dir, {"--check-config"}).action == Action::check_config);
  CHECK(config_test::load_in(dir, {"--healthcheck"}).action == Action::healthcheck);
  CHECK(config_test::load_in(dir, {"--version"}).action == Action::version);
  CHECK(config_test::load_in(dir, {"--help"}).action == Action::help);
  CHECK(config_test::load_in(dir, {"-h"}).action == Action::help);
  CHECK(config_test::load_in(dir, {"--check-config", "--help"}).action == Action::help);
  CHECK(config_test::load_in(dir, {"--version", "--check-config"}).action == Action::version);
}

TEST_CASE("args: --help and --version work with a broken configuration") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = \"broken\"\n");
  CHECK_FALSE(config_test::load_error(dir).empty());
  CHECK(config_test::load_in(dir, {"--help"}).action == Action::help);
  CHECK(config_test::load_in(dir, {"--version"}, {{"PORT", "x"}}).action == Action::version);
}

TEST_CASE("args: mistakes name the flag and point at --help") {
  TempDir dir;
  CHECK(config_test::load_error(dir, {"--prot", "1"}) ==
        "unknown option --prot; did you mean --port? (run chatrelay --help for the options)");
  CHECK(config_test::load_error(dir, {"--frobnicate"}) ==
        "unknown option --frobnicate (run chatrelay --help for the options)");
  CHECK(config_test::load_error(dir, {"-x"}) ==
        "unknown option -x; did you mean -h? (run chatrelay --help for the options)");
  CHECK(config_test::load_error(dir, {"serve"}) ==
        "unexpected argument \"serve\"; run chatrelay --help for the options");
  CHECK(config_test::load_error(dir, {"--port"}) ==
        "--port needs a value; run chatrelay --help for the options");
  CHECK(config_test::load_error(dir, {"--port", "--host", "h"}) ==
        "--port needs a value; run chatrelay --help for the options");
  CHECK(config_test::load_error(dir, {"--check-config=yes"}) ==
        "--check-config takes no value (got \"yes\")");
  CHECK(config_test::load_error(dir, {"--port", "http"}) ==
        "--port: expected an integer in 0..65535 (0 picks any free port) (got \"http\")");
  CHECK(config_test::load_error(dir, {"--port=99999"}) ==
        "--port: expected an integer in 0..65535 (0 picks any free port) (got 99999)");
  CHECK(config_test::load_error(dir, {"--log-level", "loud"}) ==
        "--log-level: expected one of \"debug\", \"info\", \"warn\", \"error\", \"off\" "
        "(got \"loud\")");
}

TEST_CASE("args: secrets are refused on the command line, where ps shows them") {
  TempDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--set", "gemini.api_key=AIzaSecretOnTheCommandLine"},
        std::vector<std::string>{"--set=gemini.api_key=AIzaSecretOnTheCommandLine"},
        std::vector<std::string>{"--set", "server.auth_tokens=[\"AIzaSecretOnTheCommandLine\"]"}}) {
    const std::string error = config_test::load_error(dir, args);
    INFO(error);
    CHECK_THAT(error, Catch::Contains("refused"));
    CHECK_THAT(error, Catch::Contains("`ps`"));
    CHECK_THAT(error, Catch::Contains("./.env"));
    CHECK_THAT(error, Catch::Contains("TOML file"));
    CHECK_THAT(error, !Catch::Contains("AIzaSecret"));
  }
  CHECK_THAT(config_test::load_error(dir, {"--set", "gemini.api_key=x"}),
             Catch::StartsWith("--set gemini.api_key: refused") &&
                 Catch::Contains("GEMINI_API_KEY or CHATRELAY_GEMINI_API_KEY"));
  CHECK_THAT(config_test::load_error(dir, {"--set", "server.auth_tokens=[]"}),
             Catch::Contains("(CHATRELAY_SERVER_AUTH_TOKENS)"));
}

TEST_CASE("args: --set mistakes") {
  TempDir dir;
  CHECK(config_test::load_error(dir, {"--set", "server.port"}) ==
        "--set expects SECTION.KEY=VALUE, e.g. --set server.port=9000 (got \"server.port\")");
  CHECK(config_test::load_error(dir, {"--set", "server.prot=1"}) ==
        "--set server.prot: unknown key; did you mean server.port? (every key is listed in "
        "config.toml.example)");
  CHECK(config_test::load_error(dir, {"--set", "port=1"}) ==
        "--set port: unknown key (every key is listed in config.toml.example)");
  CHECK(config_test::load_error(dir, {"--set", "server.port=abc"}) ==
        "--set server.port: expected an integer in 0..65535 (0 picks any free port) "
        "(got \"abc\")");
  CHECK(config_test::load_error(dir, {"--set", "server.port=\"80\""}) ==
        "--set server.port: expected an integer in 0..65535 (0 picks any free port) "
        "(got \"80\")");
  CHECK_THAT(config_test::load_error(dir, {"--set", "server.allowed_origins=[\"http://a/\"]"}),
             Catch::StartsWith("--set server.allowed_origins: expected an array"));
  CHECK_THAT(config_test::load_error(dir, {"--set", "server.allowed_origins=[\"x\""}),
             Catch::StartsWith("--set server.allowed_origins: "));
}
