// parse_origins: ALLOWED_ORIGINS as a JSON array or a comma-separated list.
#include <catch2/catch.hpp>

#include "chatrelay/config/loader.hpp"

using namespace chatrelay::config;
using List = std::vector<std::string>;

namespace {
std::string error_of(std::string_view text) {
  try {
    parse_origins(text, "ALLOWED_ORIGINS");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("origins: comma-separated, trimmed, empty entries dropped") {
  CHECK(parse_origins("http://a.example", "o") == List{"http://a.example"});
  CHECK(parse_origins(" http://a.example ,https://b.example:8443,, ,", "o") ==
        List{"http://a.example", "https://b.example:8443"});
  CHECK(parse_origins("*", "o") == List{"*"});
  CHECK(parse_origins("", "o").empty());
  CHECK(parse_origins(" , ", "o").empty());
}

TEST_CASE("origins: JSON array of strings") {
  CHECK(parse_origins(R"(["http://localhost:5173","https://app.example"])", "o") ==
        List{"http://localhost:5173", "https://app.example"});
  CHECK(parse_origins(" [ \"http://a\" ,\n \"\", \" http://b \" ] ", "o") ==
        List{"http://a", "http://b"});
  CHECK(parse_origins("[]", "o").empty());
  CHECK(parse_origins(R"(["http:\/\/a\u002eexample"])", "o") == List{"http://a.example"});
  CHECK(parse_origins(R"(["\ud83d\ude00"])", "o") == List{"\xF0\x9F\x98\x80"});
}

TEST_CASE("origins: broken JSON is an error naming the origin") {
  for (const char* bad : {R"(["http://a")", R"(["http://a",])", R"([1])", R"(["a" "b"])",
                          R"(["a"] x)", R"(["\q"])", R"(["\ud83d"])", "[", "[\"a\nb\"]"}) {
    INFO(bad);
    const std::string message = error_of(bad);
    CHECK_THAT(message, Catch::StartsWith("ALLOWED_ORIGINS: "));
    CHECK_THAT(message, Catch::Contains("JSON array of strings"));
  }
}
