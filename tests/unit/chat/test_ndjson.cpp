// Tests for chat/ndjson: chunk shapes exactly as the contract (DESIGN.md §1) writes them.
#include "chatrelay/chat/ndjson.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::chat;

TEST_CASE("token and thinking chunks") {
  std::string out;
  append_token(out, "token", "he said \"hi\"\n");
  append_token(out, "thinking", "hmm");
  CHECK(out == "{\"type\":\"token\",\"content\":\"he said \\\"hi\\\"\\n\"}\n"
               "{\"type\":\"thinking\",\"content\":\"hmm\"}\n");
}

TEST_CASE("complete chunk with artifacts, usage and session") {
  std::vector<Artifact> artifacts = {{"bash", "ls\n", false}, {"html", "<!DOCTYPE html>\n<p>x</p>\n", true}};
  chatrelay::gemini::Usage usage{12, 345, 0, 357};
  Completion c{"full text", &artifacts, "s1", "STOP", "gemini-2.5-flash", usage};
  std::string out;
  append_complete(out, c);
  CHECK(out ==
        R"({"type":"complete","content":"full text","artifact":{"language":"html","code":"<!DOCTYPE html>\n<p>x</p>\n","truncated":true},)"
        R"("artifacts":[{"language":"bash","code":"ls\n"},{"language":"html","code":"<!DOCTYPE html>\n<p>x</p>\n","truncated":true}],)"
        R"("session_id":"s1","finish_reason":"STOP","model":"gemini-2.5-flash",)"
        R"("usage":{"prompt_tokens":12,"output_tokens":345,"total_tokens":357}})"
        "\n");
}

TEST_CASE("complete chunk without artifacts has artifact null and an empty list") {
  std::vector<Artifact> none;
  Completion c{"plain", &none, "s", "MAX_TOKENS", "m", std::nullopt};
  std::string out;
  append_complete(out, c);
  CHECK(out == R"({"type":"complete","content":"plain","artifact":null,"artifacts":[],"session_id":"s",)"
               R"("finish_reason":"MAX_TOKENS","model":"m","usage":null})"
               "\n");
}

TEST_CASE("error chunk, with retry_after rounded up when known") {
  std::string out;
  append_error(out, chatrelay::ErrorCode::quota_exceeded, "Gemini quota exceeded. Retry in 35s.", 34.4);
  append_error(out, chatrelay::ErrorCode::internal, "boom");
  CHECK(out == R"({"type":"error","content":"Gemini quota exceeded. Retry in 35s.","code":"quota_exceeded","retry_after":35})"
               "\n"
               R"({"type":"error","content":"boom","code":"internal"})"
               "\n");
}
