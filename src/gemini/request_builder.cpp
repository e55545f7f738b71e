// The streamGenerateContent request body: contents (same-role turns merged), system
// instruction, generation config.
#include "chatrelay/gemini/request_builder.hpp"

#include "chatrelay/json/writer.hpp"

namespace chatrelay::gemini {
namespace {

std::string_view role_name(memory::Role role) {
  return role == memory::Role::user ? "user" : "model";
}

// [{"text":"..."}]
void append_parts(std::string& out, std::string_view text) {
  out.push_back('[');
  json::ObjectWriter(out).string("text", text).close();
  out.push_back(']');
}

}  // namespace

std::string build_request_body(const std::vector<memory::Turn>& conversation,
                               const GenerationOptions& options) {
  std::string parts;   // one content's parts array, reused
  std::string merged;  // texts of consecutive same-role turns

  std::string contents = "[";
  for (std::size_t i = 0; i < conversation.size();) {
    const memory::Role role = conversation[i].role;
    merged = conversation[i].text;
    for (++i; i < conversation.size() && conversation[i].role == role; ++i) {
      merged += "\n\n";
      merged += conversation[i].text;
    }
    if (contents.size() > 1) contents.push_back(',');
    parts.clear();
    append_parts(parts, merged);
    json::ObjectWriter(contents).string("role", role_name(role)).raw("parts", parts).close();
  }
  contents.push_back(']');

  std::string body;
  body.reserve(contents.size() + options.system_prompt.size() + 256);
  json::ObjectWriter request(body);
  request.raw("contents", contents);

  if (!options.system_prompt.empty()) {
    parts.clear();
    append_parts(parts, options.system_prompt);
    std::string instruction;
    json::ObjectWriter(instruction).raw("parts", parts).close();
    request.raw("systemInstruction", instruction);
  }

  const bool thinking = options.thinking_budget || options.include_thoughts;
  if (options.temperature || options.max_output_tokens || thinking) {
    std::string config;
    json::ObjectWriter generation(config);
    if (options.temperature) generation.number("temperature", *options.temperature);
    if (options.max_output_tokens) {
      generation.number("maxOutputTokens", *options.max_output_tokens);
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
    request.raw("generationConfig", config);
  }
  request.close();
  return body;
}

}  // namespace chatrelay::gemini
