// Tests for openai/models: /v1/models in OpenAI's list shape, one model, and the 404.
#include "chatrelay/openai/models.hpp"

#include <catch2/catch.hpp>

using namespace chatrelay::openai;

TEST_CASE("models: the list and one model") {
  ModelList models({"gemini-2.5-flash", "gemini-2.5-pro"}, 1735689600);
  CHECK(models.list().status == 200);
  CHECK(models.list().body ==
        R"({"object":"list","data":[{"id":"gemini-2.5-flash","object":"model","created":1735689600,"owned_by":"google"},)"
        R"({"id":"gemini-2.5-pro","object":"model","created":1735689600,"owned_by":"google"}]})");
  CHECK(models.one("gemini-2.5-pro").body ==
        R"({"id":"gemini-2.5-pro","object":"model","created":1735689600,"owned_by":"google"})");
  const auto missing = models.one("gpt-4o");
  CHECK(missing.status == 404);
  CHECK_THAT(missing.body, Catch::StartsWith(R"({"error":{"message":"The model 'gpt-4o' does not exist)") &&
                               Catch::EndsWith(R"("type":"invalid_request_error","param":"model","code":"model_not_found"}})"));
}
