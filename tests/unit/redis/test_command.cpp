// Tests for redis/command: RESP2 arrays of bulk strings, binary-safe.
#include "chatrelay/redis/command.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using chatrelay::redis::append_command;

TEST_CASE("command: an array of bulk strings, appended") {
  std::string out = "x";
  append_command(out, {"SET", "k", "v\r\n\0"});
  CHECK(out == "x*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n");
  std::string bin(std::string_view("a\0b", 3));
  std::vector<std::string> args{"GET", bin, ""};
  out.clear();
  append_command(out, args);
  CHECK(out == std::string("*3\r\n$3\r\nGET\r\n$3\r\na\0b\r\n$0\r\n\r\n", 28));
}
