// load(): the precedence of every source, .env and environment rules, and the system prompt.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using namespace chatrelay::config;
using config_test::TempDir;

TEST_CASE("precedence: defaults < TOML < .env < environment < flags") {
  TempDir dir;
  CHECK(config_test::load_in(dir).settings.server.port == 8000);

  dir.write("config.toml", "[server]\nport = 1001\nhost = \"toml-host\"\n"
                           "[gemini]\nmodel = \"toml-model\"\n[memory]\nmax_history_messages = 11\n");
  CHECK(config_test::load_in(dir).settings.server.port == 1001);

  dir.write(".env", "PORT=1002\nGEMINI_MODEL=dotenv-model\n");
  const LoadResult with_dotenv = config_test::load_in(dir);
  CHECK(with_dotenv.settings.server.port == 1002);
  CHECK(with_dotenv.settings.gemini.model == "dotenv-model");
  CHECK(with_dotenv.settings.server.host == "toml-host");
  CHECK(with_dotenv.settings.memory.max_history_messages == 11);

  const Environment env{{"PORT", "1003"}, {"MAX_HISTORY_MESSAGES", "12"}};
  const LoadResult with_env = config_test::load_in(dir, {}, env);
  CHECK(with_env.settings.server.port == 1003);
  CHECK(with_env.settings.memory.max_history_messages == 12);
  CHECK(with_env.settings.gemini.model == "dotenv-model");

  const LoadResult with_flags = config_test::load_in(dir, {"--port", "1004"}, env);
  CHECK(with_flags.settings.server.port == 1004);
  CHECK(with_flags.settings.memory.max_history_messages == 12);
  CHECK(with_flags.settings.server.host == "toml-host");
  CHECK(with_flags.sources ==
        std::vector<std::string>{(dir.path() / "config.toml").string(),
                                 (dir.path() / ".env").string(), "environment", "command line"});
}

TEST_CASE(".env never overrides the real environment") {
  TempDir dir;
  dir.write(".env", "GEMINI_API_KEY=from-dotenv\nCHATRELAY_GEMINI_MODEL=dotenv-model\n");
  const Settings s =
      config_test::load_in(dir, {}, {{"GEMINI_API_KEY", "from-env"}, {"GEMINI_MODEL", "env-model"}})
          .settings;
  CHECK(s.gemini.api_key == "from-env");
  CHECK(s.gemini.model == "env-model");
}

TEST_CASE(".env applies only setting names and ignores the rest") {
  TempDir dir;
  dir.write(".env", "DATABASE_URL=postgres://x\nCHATRELAY_TEST_DATA=/x\nPORT=7000\n");
  CHECK(config_test::load_in(dir).settings.server.port == 7000);
}

TEST_CASE(".env errors name the file and the variable") {
  TempDir dir;
  dir.write(".env", "PORT=abc\n");
  CHECK(config_test::load_error(dir) ==
        (dir.path() / ".env").string() +
            ": PORT: expected an integer in 0..65535 (0 picks any free port) (got \"abc\")");
  dir.write(".env", "# settings\nPORT 8000\n");
  CHECK(config_test::load_error(dir) ==
        (dir.path() / ".env").string() + ":2: expected '=' after PORT");
}

TEST_CASE("environment: every documented short name") {
  TempDir dir;
  const Settings s = config_test::load_in(dir, {},
                                          {{"HOST", "::"},
                                           {"PORT", " 8080 "},
                                           {"ALLOWED_ORIGINS", "[\"https://a.example\"]"},
                                           {"GEMINI_API_KEY", "AIzaK"},
                                           {"GEMINI_MODEL", "gemini-2.5-pro"},
                                           {"GEMINI_BASE_URL", "https://127.0.0.1:9443"},
                                           {"MAX_HISTORY_MESSAGES", "30"},
                                           {"LOG_LEVEL", "debug"},
                                           {"LOG_FORMAT", "json"}})
                         .settings;
  CHECK(s.server.host == "::");
  CHECK(s.server.port == 8080);
  CHECK(s.server.allowed_origins == std::vector<std::string>{"https://a.example"});
  CHECK(s.gemini.api_key == "AIzaK");
  CHECK(s.gemini.model == "gemini-2.5-pro");
  CHECK(s.gemini.base_url == "https://127.0.0.1:9443");
  CHECK(s.memory.max_history_messages == 30);
  CHECK(s.log.level == chatrelay::LogLevel::debug);
  CHECK(s.log.format == chatrelay::LogFormat::json);
}

TEST_CASE("environment: ALLOWED_ORIGINS comma-separated") {
  TempDir dir;
  CHECK(config_test::load_in(dir, {}, {{"ALLOWED_ORIGINS", "http://a:1, https://b"}})
            .settings.server.allowed_origins == std::vector<std::string>{"http://a:1", "https://b"});
  CHECK_THAT(config_test::load_error(dir, {}, {{"ALLOWED_ORIGINS", "[\"http://a\""}}),
             Catch::StartsWith("environment variable ALLOWED_ORIGINS: "));
  CHECK_THAT(config_test::load_error(dir, {}, {{"ALLOWED_ORIGINS", "http://a/"}}),
             Catch::StartsWith("environment variable ALLOWED_ORIGINS: expected an array of"));
}

TEST_CASE("environment: CHATRELAY_<SECTION>_<KEY> for every key, winning over short names") {
  TempDir dir;
  const Settings s =
      config_test::load_in(dir, {},
                           {{"CHATRELAY_SERVER_MAX_BODY_BYTES", "2097152"},
                            {"CHATRELAY_SERVER_HEADER_TIMEOUT_S", "2.5"},
                            {"CHATRELAY_GEMINI_INCLUDE_THOUGHTS", "yes"},
                            {"CHATRELAY_GEMINI_TEMPERATURE", "1"},
                            {"CHATRELAY_GEMINI_POOL_SIZE", "8"},
                            {"CHATRELAY_SERVER_METRICS_HOST", "0.0.0.0"},
                            {"CHATRELAY_SERVER_UI", "false"},
                            {"CHATRELAY_MEMORY_SESSION_TTL_S", "600"},
                            {"CHATRELAY_LOG_LEVEL", "error"},
                            {"LOG_LEVEL", "debug"},
                            {"PORT", "1"},
                            {"CHATRELAY_SERVER_PORT", "2"}})
          .settings;
  CHECK(s.server.max_body_bytes == 2097152);
  CHECK(s.server.header_timeout_s == 2.5);
  CHECK(s.gemini.include_thoughts);
  CHECK(s.gemini.temperature == 1.0);
  CHECK(s.gemini.pool_size == 8);
  CHECK(s.server.metrics_host == "0.0.0.0");
  CHECK_FALSE(s.server.ui);
  CHECK(s.memory.session_ttl_s == 600);
  CHECK(s.log.level == chatrelay::LogLevel::error);
  CHECK(s.server.port == 2);
}

TEST_CASE("origins: where each key's value came from") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 1\n[gemini]\napi_key = 'from-toml'\n");
  dir.write(".env", "GEMINI_MODEL=m\n");
  const LoadResult r = config_test::load_in(dir, {"--port", "3"}, {{"CHATRELAY_GEMINI_API_KEY", "from-env"}});
  CHECK(r.settings.gemini.api_key == "from-env");
  CHECK(r.origins.at("gemini.api_key") == "environment variable CHATRELAY_GEMINI_API_KEY");
  CHECK(r.origins.at("gemini.model") == (dir.path() / ".env").string() + ": GEMINI_MODEL");
  CHECK(r.origins.at("server.port") == "--port");
  CHECK(r.origins.count("server.host") == 0);
  const LoadResult toml_only = config_test::load_in(dir);
  CHECK(toml_only.origins.at("gemini.api_key") == (dir.path() / "config.toml").string() + ":4: gemini.api_key");
}

TEST_CASE("secret_environment_names: the variables that may hold a secret") {
  CHECK(secret_environment_names() ==
        std::vector<std::string>{"CHATRELAY_SERVER_AUTH_TOKENS", "GEMINI_API_KEY", "CHATRELAY_GEMINI_API_KEY",
                                 "REDIS_URL", "CHATRELAY_MEMORY_REDIS_URL"});
}

TEST_CASE("the Redis store: memory.store, REDIS_URL, prefix, timeout, reuse_port") {
  TempDir dir;
  dir.write("config.toml", "[memory]\nstore = \"redis\"\nredis_prefix = \"app1:\"\nredis_timeout_s = 0.5\n"
                           "[server]\nreuse_port = true\n");
  const LoadResult r = config_test::load_in(dir, {}, {{"REDIS_URL", "redis://:hunter2-pass@cache:6380/3"}});
  CHECK(r.settings.memory.store == MemorySettings::Store::redis);
  CHECK(r.settings.memory.redis_url == "redis://:hunter2-pass@cache:6380/3");
  CHECK(r.settings.memory.redis_prefix == "app1:");
  CHECK(r.settings.memory.redis_timeout_s == 0.5);
  CHECK(r.settings.server.reuse_port);
  const std::string described = describe(r.settings, r.origins);
  CHECK_THAT(described, Catch::Contains("# redis_url = <set, redis://:***@cache:6380/3, from environment variable REDIS_URL>"));
  CHECK_THAT(described, !Catch::Contains("hunter2"));
}

TEST_CASE("the Redis store: a URL that is not one stops the start with the reason; rediss:// and its CA file") {
  TempDir dir;
  const std::string bad = config_test::load_error(dir, {}, {{"REDIS_URL", "http://:hunter2-pass@cache"}});
  CHECK_THAT(bad, Catch::Contains("redis://[[user]:password@]host[:port][/db]"));
  CHECK_THAT(bad, !Catch::Contains("hunter2"));
  CHECK_THAT(config_test::load_error(dir, {}, {{"REDIS_CA_FILE", "no-such-ca.pem"}}),
             Catch::Contains("REDIS_CA_FILE: expected the path of an existing PEM file"));
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  dir.write("config.toml", "[memory]\nredis_ca_file = \"ca.pem\"\n");
  const LoadResult r = config_test::load_in(dir, {}, {{"REDIS_URL", "rediss://cache"}});
  CHECK(r.settings.memory.redis_url == "rediss://cache");
  REQUIRE(r.settings.memory.redis_ca_file);
  CHECK(r.settings.memory.redis_ca_file->ends_with("ca.pem"));
  CHECK_THAT(config_test::load_error(dir, {}, {{"CHATRELAY_MEMORY_STORE", "postgres"}}),
             Catch::Contains("one of \"memory\""));
}

TEST_CASE("environment: an empty variable counts as unset") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 5000\n");
  const LoadResult r = config_test::load_in(dir, {}, {{"PORT", ""}, {"GEMINI_API_KEY", ""}});
  CHECK(r.settings.server.port == 5000);
  CHECK_FALSE(r.settings.gemini.api_key);
  CHECK(r.sources == std::vector<std::string>{(dir.path() / "config.toml").string()});
}

TEST_CASE("environment: variables of others are ignored, typos in our sections are not") {
  TempDir dir;
  CHECK(config_test::load_error(dir, {}, {{"CHATRELAY_TEST_DATA", "/x"}, {"PATH", "/bin"},
                                          {"CHATRELAY_SOURCE_ROOT", "/src"}}) == "");
  CHECK(config_test::load_error(dir, {}, {{"CHATRELAY_SERVER_PROT", "1"}}) ==
        "environment variable CHATRELAY_SERVER_PROT: unknown setting; did you mean "
        "CHATRELAY_SERVER_PORT? (every key is listed in config.toml.example)");
}

TEST_CASE("environment: bad values name the variable") {
  TempDir dir;
  CHECK(config_test::load_error(dir, {}, {{"PORT", "eighty"}}) ==
        "environment variable PORT: expected an integer in 0..65535 (0 picks any free port) "
        "(got \"eighty\")");
  CHECK(config_test::load_error(dir, {}, {{"MAX_HISTORY_MESSAGES", "0"}}) ==
        "environment variable MAX_HISTORY_MESSAGES: expected an integer in 1..1000 (got 0)");
  CHECK(config_test::load_error(dir, {}, {{"CHATRELAY_GEMINI_INCLUDE_THOUGHTS", "maybe"}}) ==
        "environment variable CHATRELAY_GEMINI_INCLUDE_THOUGHTS: expected true or false "
        "(got \"maybe\")");
  CHECK(config_test::load_error(dir, {}, {{"CHATRELAY_GEMINI_TEMPERATURE", "hot"}}) ==
        "environment variable CHATRELAY_GEMINI_TEMPERATURE: expected a number in 0..2 "
        "(got \"hot\")");
  CHECK(config_test::load_error(dir, {}, {{"GEMINI_BASE_URL", "ftp://x"}}) ==
        "environment variable GEMINI_BASE_URL: expected an https:// URL with a host "
        "and no query, such as https://generativelanguage.googleapis.com (http:// is refused: "
        "Gemini is spoken over TLS only) (got \"ftp://x\")");
}

TEST_CASE("--config: explicit file, missing file, and no implicit file then") {
  TempDir dir;
  dir.write("config.toml", "[server]\nport = 1\n");
  dir.write("other.toml", "[server]\nport = 2\n");
  const LoadResult r = config_test::load_in(dir, {"--config", "other.toml"});
  CHECK(r.settings.server.port == 2);
  CHECK(r.config_file == dir.path() / "other.toml");
  CHECK(r.sources == std::vector<std::string>{"other.toml"});
  CHECK(config_test::load_in(dir, {"--config=" + (dir.path() / "other.toml").string()})
            .settings.server.port == 2);
  CHECK(config_test::load_error(dir, {"--config", "missing.toml"}) ==
        "--config missing.toml: no such file (looked for " + (dir.path() / "missing.toml").string() +
            ")");
}

TEST_CASE("system prompt: default, text, or a file relative to its source") {
  TempDir dir;
  CHECK(config_test::load_in(dir).settings.gemini.system_prompt == default_system_prompt);

  dir.write("config.toml", "[gemini]\nsystem_prompt = \"\"\"\nBe terse.\n\"\"\"\n");
  CHECK(config_test::load_in(dir).settings.gemini.system_prompt == "Be terse.\n");

  dir.write("config.toml", "[gemini]\nsystem_prompt = \"\"\n");
  CHECK(config_test::load_in(dir).settings.gemini.system_prompt.empty());

  const auto prompt = dir.write("conf/prompts/p.md", "From a file.\n");
  dir.write("conf/relay.toml", "[gemini]\nsystem_prompt_file = \"prompts/p.md\"\n");
  const Settings s = config_test::load_in(dir, {"--config", "conf/relay.toml"}).settings;
  CHECK(s.gemini.system_prompt == "From a file.\n");
  CHECK(s.gemini.system_prompt_file == prompt.string());

  // From the environment, relative paths are taken from the working directory.
  dir.write("env-prompt.txt", "Env prompt.");
  CHECK(config_test::load_in(dir, {}, {{"CHATRELAY_GEMINI_SYSTEM_PROMPT_FILE", "env-prompt.txt"}})
            .settings.gemini.system_prompt == "Env prompt.");
}

TEST_CASE("system prompt: a missing prompt file is an error where it was set") {
  TempDir dir;
  dir.write("config.toml", "[gemini]\n\nsystem_prompt_file = \"nope.md\"\n");
  CHECK_THAT(config_test::load_error(dir),
             Catch::StartsWith((dir.path() / "config.toml").string() +
                               ":3: gemini.system_prompt_file: expected the path of a readable "
                               "text file of at most 1 MiB (got \"nope.md\": cannot read ") &&
                 Catch::Contains("No such file or directory"));
  dir.write("config.toml", "[gemini]\nsystem_prompt_file = \"\"\n");
  CHECK_THAT(config_test::load_error(dir), Catch::Contains("gemini.system_prompt_file: expected"));
}

TEST_CASE("system prompt: text and file in one source is an error") {
  TempDir dir;
  dir.write("p.md", "file");
  dir.write("config.toml",
            "[gemini]\nsystem_prompt = \"text\"\nsystem_prompt_file = \"p.md\"\n");
  const std::string file = (dir.path() / "config.toml").string();
  CHECK(config_test::load_error(dir) ==
        file + ":3: gemini.system_prompt_file: cannot be combined with " + file +
            ":2: gemini.system_prompt; set the prompt text or a prompt file, not both");
  std::filesystem::remove(dir.path() / "config.toml");
  CHECK_THAT(config_test::load_error(dir, {}, {{"CHATRELAY_GEMINI_SYSTEM_PROMPT", "t"},
                                               {"CHATRELAY_GEMINI_SYSTEM_PROMPT_FILE", "p.md"}}),
             Catch::Contains("cannot be combined with"));
  CHECK_THAT(config_test::load_error(dir, {"--set", "gemini.system_prompt_file=p.md", "--set",
                                           "gemini.system_prompt=x"}),
             Catch::StartsWith("--set gemini.system_prompt: cannot be combined with --set "
                               "gemini.system_prompt_file"));
}

TEST_CASE("system prompt: a later source replaces either form") {
  TempDir dir;
  dir.write("p.md", "file");
  dir.write("config.toml", "[gemini]\nsystem_prompt_file = \"p.md\"\n");
  const Settings text = config_test::load_in(dir, {"--set", "gemini.system_prompt=flag"}).settings;
  CHECK(text.gemini.system_prompt == "flag");
  CHECK_FALSE(text.gemini.system_prompt_file);

  dir.write("config.toml", "[gemini]\nsystem_prompt = \"toml\"\n");
  const Settings file =
      config_test::load_in(dir, {}, {{"CHATRELAY_GEMINI_SYSTEM_PROMPT_FILE", "p.md"}}).settings;
  CHECK(file.gemini.system_prompt == "file");
  CHECK(file.gemini.system_prompt_file == (dir.path() / "p.md").string());
}

TEST_CASE("process_environment reads environ") {
  ::setenv("CHATRELAY_CONFIG_TEST_VAR", "a=b", 1);
  const Environment env = process_environment();
  CHECK(env.at("CHATRELAY_CONFIG_TEST_VAR") == "a=b");
  ::unsetenv("CHATRELAY_CONFIG_TEST_VAR");
}
