// Tests for core/log.hpp: counts print as integers, fractions in their shortest form, in both
// formats; strings are quoted where they must be.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "chatrelay/core/log.hpp"

using namespace chatrelay;

namespace {

std::string line(LogFormat format, std::vector<log::Field> fields) {
  std::string out;
  log::append_line(out, format, "T", LogLevel::warn, "m", fields);
  return out;
}

}  // namespace

TEST_CASE("log: counts are integers, fractions shortest, in text and JSON") {
  const std::vector<log::Field> fields = {
      log::kv("attempts", 1), log::kv("bytes", std::size_t{123456}), log::kv("status", std::int64_t{429}),
      log::kv("ms", 12.5), log::kv("whole", 3.0), log::kv("ok", true), log::kv("nan", std::nan(""))};
  CHECK(line(LogFormat::text, fields) == "T warn m attempts=1 bytes=123456 status=429 ms=12.5 whole=3 ok=true nan=null\n");
  CHECK(line(LogFormat::json, fields) ==
        "{\"ts\":\"T\",\"level\":\"warn\",\"msg\":\"m\",\"attempts\":1,\"bytes\":123456,\"status\":429,"
        "\"ms\":12.5,\"whole\":3,\"ok\":true,\"nan\":null}\n");
}

TEST_CASE("log: strings quoted where a reader would misparse them") {
  CHECK(line(LogFormat::text, {log::kv("code", "upstream_timeout"), log::kv("detail", "a b=c")}) ==
        "T warn m code=upstream_timeout detail=\"a b=c\"\n");
  CHECK(line(LogFormat::json, {log::kv("n", "1")}) == "{\"ts\":\"T\",\"level\":\"warn\",\"msg\":\"m\",\"n\":\"1\"}\n");
}
