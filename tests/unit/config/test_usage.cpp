// usage(): the --help text lists the flags, the variables and where the keys are documented.
#include <catch2/catch.hpp>

#include "chatrelay/config/loader.hpp"

using namespace chatrelay::config;

TEST_CASE("usage lists every flag, every short variable and the example file") {
  const std::string text = usage();
  for (const char* flag : {"--config", "--host", "--port", "--model", "--log-level", "--log-format",
                           "--set", "--check-config", "--healthcheck", "--version", "--help", "-h"}) {
    INFO(flag);
    CHECK_THAT(text, Catch::Contains(flag));
  }
  for (const char* var : {"HOST", "PORT", "ALLOWED_ORIGINS", "GEMINI_API_KEY", "GEMINI_MODEL",
                          "GEMINI_BASE_URL", "GEMINI_CA_FILE", "MAX_HISTORY_MESSAGES", "LOG_LEVEL",
                          "LOG_FORMAT", "CHATRELAY_<SECTION>_<KEY>"}) {
    INFO(var);
    CHECK_THAT(text, Catch::Contains(var));
  }
  CHECK_THAT(text, Catch::Contains("config.toml.example"));
  CHECK_THAT(text, Catch::Contains(".env"));
}
