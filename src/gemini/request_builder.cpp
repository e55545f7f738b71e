// The streamGenerateContent request body: contents (same-role turns merged, empty texts left
// out), system instruction, generation config.
#include "chatrelay/gemini/request_builder.hpp"

#include "chatrelay/json/writer.hpp"

namespace chatrelay::gemini {
namespace {

std::string_view role_name(memory::Role role) { return role == memory::Role::user ? "user" : "model"; }

}  // namespace

RequestBodyBuilder::RequestBodyBuilder(std::size_t text_bytes) {
  body_.reserve(text_bytes + text_bytes / 16 + 512);
  body_ = R"({"contents":[)";
}

void RequestBodyBuilder::add(memory::Role role, std::string_view text) {
  if (text.empty()) return;
  if (open_role_ == role) {
    // Continue the open text: drop its closing quote, join, and drop the new text's opening one.
    body_.pop_back();
    body_.append(R"(\n\n)");
    const std::size_t at = body_.size();
    json::append_string(body_, text);
    body_.erase(at, 1);
    return;
  }
  close_content();
  if (any_content_) body_.push_back(',');
  body_.append(R"({"role":")").append(role_name(role)).append(R"(","parts":[{"text":)");
  json::append_string(body_, text);
  open_role_ = role;
  any_content_ = true;
}

void RequestBodyBuilder::close_content() {
  if (!open_role_) return;
  body_.append("}]}");
  open_role_.reset();
}

std::string RequestBodyBuilder::finish(const GenerationOptions& options, std::span<const std::string> system) && {
  close_content();
  body_.push_back(']');

  bool any_instruction = false;
  auto add_instruction = [&](std::string_view text) {
    if (text.empty()) return;
    body_.append(any_instruction ? "," : R"(,"systemInstruction":{"parts":[)");
    json::ObjectWriter(body_).string("text", text).close();
    any_instruction = true;
  };
  add_instruction(options.system_prompt);
  for (const std::string& text : system) add_instruction(text);
  if (any_instruction) body_.append("]}");

  const bool thinking = options.thinking_budget || options.include_thoughts;
  const bool stops = !options.stop_sequences.empty();
  if (options.temperature || options.top_p || options.max_output_tokens || stops || thinking) {
    std::string config;
    json::ObjectWriter generation(config);
    if (options.temperature) generation.number("temperature", *options.temperature);
    if (options.top_p) generation.number("topP", *options.top_p);
    if (options.max_output_tokens) generation.number("maxOutputTokens", *options.max_output_tokens);
    if (stops) {
      std::string list = "[";
      for (const std::string& stop : options.stop_sequences) {
        if (list.size() > 1) list.push_back(',');
        json::append_string(list, stop);
      }
      generation.raw("stopSequences", list.append("]"));
    }
    if (thinking) {
      std::string thinking_config;
      json::ObjectWriter writer(thinking_config);
      if (options.thinking_budget) writer.number("thinkingBudget", *options.thinking_budget);
      if (options.include_thoughts) writer.boolean("includeThoughts", true);
      writer.close();
      generation.raw("thinkingConfig", thinking_config);
    }
    generation.close();
    body_.append(R"(,"generationConfig":)").append(config);
  }
  body_.push_back('}');
  // The body is kept for the whole answer (a retry sends it again): its exact size, not the
  // room reserved while building it.
  body_.shrink_to_fit();
  return std::move(body_);
}

std::string build_request_body(const std::vector<memory::Turn>& conversation, const GenerationOptions& options,
                               std::span<const std::string> system) {
  std::size_t text_bytes = options.system_prompt.size();
  for (const auto& turn : conversation) text_bytes += turn.text.size();
  RequestBodyBuilder builder(text_bytes);
  for (const auto& turn : conversation) builder.add(turn);
  return std::move(builder).finish(options, system);
}

}  // namespace chatrelay::gemini
