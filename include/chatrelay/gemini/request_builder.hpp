// Builds the streamGenerateContent request body from the conversation and settings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::gemini {

struct GenerationOptions {
  // Every member has an initializer, so designated initializers may leave any out (g++ 12 warns
  // about omitted members that have none).
  std::string system_prompt = {};  // empty: none
  std::optional<double> temperature = {};
  std::optional<double> top_p = {};
  std::optional<std::int64_t> max_output_tokens = {};
  std::vector<std::string> stop_sequences = {};
  std::optional<std::int64_t> thinking_budget = {};  // 0 is sent: it turns thinking off
  bool include_thoughts = false;
};

// Writes the body turn by turn, straight into its final string, so a conversation (stored history
// and new turns) need not be gathered into one vector first. Consecutive turns with the same role
// become one content (texts joined with "\n\n"); empty texts are skipped, since Gemini refuses an
// empty part (DESIGN.md §1).
class RequestBodyBuilder {
 public:
  // `text_bytes`: about how much text will be added, to size the body once.
  explicit RequestBodyBuilder(std::size_t text_bytes = 0);

  void add(memory::Role role, std::string_view text);
  void add(const memory::Turn& turn) { add(turn.role, turn.text); }

  // {"contents":[…],"systemInstruction":{"parts":[…]},"generationConfig":{…}}: the system
  // instruction's parts are options.system_prompt then `system` (the request's system messages),
  // empty ones left out; it and generationConfig/thinkingConfig appear only when something is set.
  std::string finish(const GenerationOptions& options, std::span<const std::string> system = {}) &&;

 private:
  void close_content();

  std::string body_;
  std::optional<memory::Role> open_role_;  // the content being written, still open for merging
  bool any_content_ = false;
};

// The same for a conversation at hand.
std::string build_request_body(const std::vector<memory::Turn>& conversation, const GenerationOptions& options,
                               std::span<const std::string> system = {});

}  // namespace chatrelay::gemini
