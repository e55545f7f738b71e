// The sessions API's JSON: roles as clients send them, updated_at in RFC 3339 UTC.
#include "chatrelay/chat/sessions.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono;
using chatrelay::chat::rfc3339_utc;
using chatrelay::chat::session_json;
using chatrelay::memory::Role;

TEST_CASE("rfc3339_utc: UTC with milliseconds, like toISOString") {
  CHECK(rfc3339_utc(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339_utc(system_clock::time_point{milliseconds(1746102896789)}) == "2025-05-01T12:34:56.789Z");
  CHECK(rfc3339_utc(system_clock::time_point{milliseconds(951782400000) + microseconds(999)}) ==
        "2000-02-29T00:00:00.000Z");
}

TEST_CASE("session_json: stored turns, model as assistant, escaped") {
  const std::vector<chatrelay::memory::Turn> turns = {{Role::user, "say \"hi\"\n"}, {Role::model, "hi </script>"}};
  const auto updated_at = system_clock::time_point{milliseconds(1733400000123)};
  const std::string json = session_json("my-id", turns, updated_at);
  const std::string prefix =
      R"({"session_id":"my-id","messages":[{"role":"user","content":"say \"hi\"\n"},)"
      R"({"role":"assistant","content":"hi </script>"}],"updated_at":")";
  CHECK(json.rfind(prefix, 0) == 0);
  CHECK(json.substr(prefix.size()) == "2024-12-05T12:00:00.123Z\"}");
}
