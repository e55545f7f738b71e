// Builds the streamGenerateContent request body from the conversation and settings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::gemini {

struct GenerationOptions {
  // Every member has an initializer, so designated initializers may leave any out (g++ 12 warns
  // about omitted members that have none).
  std::string system_prompt = {};  // empty: no systemInstruction
  std::optional<double> temperature = {};
  std::optional<std::int64_t> max_output_tokens = {};
  std::optional<std::int64_t> thinking_budget = {};  // 0 is sent: it turns thinking off
  bool include_thoughts = false;
};

// {"contents":[{"role":"user","parts":[{"text":…}]},…],"systemInstruction":{…},
//  "generationConfig":{…}}. Consecutive turns with the same role are merged into one content
// (texts joined with "\n\n"); generationConfig/thinkingConfig appear only when something is set.
std::string build_request_body(const std::vector<memory::Turn>& conversation,
                               const GenerationOptions& options);

}  // namespace chatrelay::gemini
