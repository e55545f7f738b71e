// parse_dotenv: the .env syntax the FastAPI backend's python-dotenv understood.
#include <catch2/catch.hpp>

#include "chatrelay/config/loader.hpp"

using namespace chatrelay::config;

namespace {
std::string error_of(std::string_view text) {
  try {
    parse_dotenv(text, "/x/.env");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("dotenv: plain NAME=VALUE lines, blanks and comments") {
  const auto env = parse_dotenv(
      "# a comment\n"
      "\n"
      "   \n"
      "A=1\n"
      "B = two words  \n"
      "  # indented comment\n"
      "C=\n"
      "D=x=y\n",
      ".env");
  CHECK(env == Environment{{"A", "1"}, {"B", "two words"}, {"C", ""}, {"D", "x=y"}});
}

TEST_CASE("dotenv: export prefix") {
  const auto env = parse_dotenv("export PORT=9000\nexport\tHOST=h\nexporter=1\n", ".env");
  CHECK(env == Environment{{"PORT", "9000"}, {"HOST", "h"}, {"exporter", "1"}});
}

TEST_CASE("dotenv: a comment after an unquoted value needs a blank before '#'") {
  const auto env = parse_dotenv("A=value # comment\nB=#fff\nC=a#b\nD= # only a comment\n", ".env");
  CHECK(env.at("A") == "value");
  CHECK(env.at("B") == "#fff");
  CHECK(env.at("C") == "a#b");
  CHECK(env.at("D") == "");
}

TEST_CASE("dotenv: single quotes are literal") {
  const auto env = parse_dotenv(R"(A='a \n "b" # not a comment'  # comment)", ".env");
  CHECK(env.at("A") == R"(a \n "b" # not a comment)");
}

TEST_CASE("dotenv: double quotes understand \\n \\\" \\\\") {
  const auto env = parse_dotenv(R"(A="line1\nline2 \"q\" back\\slash \t \x")", ".env");
  CHECK(env.at("A") == "line1\nline2 \"q\" back\\slash \t \\x");
}

TEST_CASE("dotenv: quoted values may span lines") {
  const auto env = parse_dotenv("A=\"one\ntwo\"\nB='x\ny'\nC=3\n", ".env");
  CHECK(env.at("A") == "one\ntwo");
  CHECK(env.at("B") == "x\ny");
  CHECK(env.at("C") == "3");
}

TEST_CASE("dotenv: CRLF line ends and a missing final newline") {
  const auto env = parse_dotenv("A=1\r\nB=\"2\"\r\nC=3", ".env");
  CHECK(env == Environment{{"A", "1"}, {"B", "2"}, {"C", "3"}});
}

TEST_CASE("dotenv: a later line wins") {
  CHECK(parse_dotenv("A=1\nA=2\n", ".env").at("A") == "2");
}

TEST_CASE("dotenv: malformed lines name the origin and line") {
  CHECK(error_of("A=1\nJUSTANAME\n") == "/x/.env:2: expected '=' after JUSTANAME");
  CHECK_THAT(error_of("A=1\n\n1BAD=2\n"), Catch::StartsWith("/x/.env:3: expected NAME=VALUE"));
  CHECK_THAT(error_of("=value\n"), Catch::StartsWith("/x/.env:1: expected NAME=VALUE"));
  CHECK_THAT(error_of("A=1\nB=\"never closed\nC=3\n"),
             Catch::StartsWith("/x/.env:2: the double-quoted value of B is never closed"));
  CHECK_THAT(error_of("B='open"),
             Catch::StartsWith("/x/.env:1: the single-quoted value of B is never closed"));
  CHECK_THAT(error_of("A=\"x\"junk\n"),
             Catch::StartsWith("/x/.env:1: unexpected text after the closing quote of A"));
  // A line number after a multi-line value counts the lines inside it.
  CHECK_THAT(error_of("A=\"1\n2\n3\"\nbroken line\n"), Catch::StartsWith("/x/.env:4:"));
}

TEST_CASE("dotenv: errors never echo the value") {
  const std::string message = error_of("GEMINI_API_KEY=\"AIzaSecretSecret\nX");
  CHECK_THAT(message, !Catch::Contains("AIzaSecret"));
}
