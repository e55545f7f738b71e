// Which answer a request gets: a Gemini stream (scenario chosen per request), a key error, or a
// control endpoint. No I/O: the connection plays the returned plan.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "chatrelay/http1/message.hpp"
#include "plan.hpp"
#include "scenarios.hpp"
#include "state.hpp"

namespace chatrelay::fake {

struct Answer {
  std::shared_ptr<const Plan> plan;
  bool stream = false;  // a streaming request: counted, and raced against the client going away
};

// Records streaming requests and consumes the scenario queue.
Answer dispatch(State& state, Scenarios& scenarios, const http1::Message& request);

// The /__fake/... endpoints; nullopt when `request` is not for one of them.
std::optional<Answer> control(State& state, const http1::Message& request);

// "models/{model}:streamGenerateContent" under /v1beta/ → model; nullopt for any other path.
std::optional<std::string_view> streaming_model(std::string_view path);

}  // namespace chatrelay::fake
