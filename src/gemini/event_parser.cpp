// Gemini stream events (GenerateContentResponse JSON) → EventData, read through json::Reader.
#include "chatrelay/gemini/event_parser.hpp"

#include <algorithm>
#include <array>

#include <string>
#include <utility>

#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/json/reader.hpp"

namespace chatrelay::gemini {
namespace {

// Set when a member was present, so optionals that stay present keep their string capacity.
struct Seen {
  bool finish_reason = false;
  bool block_reason = false;
  bool model_version = false;
};

bool assign(std::optional<std::string>& target, const json::Value& value, bool& seen) {
  const auto text = value.string();
  if (!text) return false;
  if (target) {
    target->assign(*text);
  } else {
    target.emplace(*text);
  }
  seen = true;
  return true;
}

// {"text": "...", "thought": true, "thoughtSignature": "..."}; parts without text (functionCall,
// a bare signature) add nothing.
bool read_part(const json::Value& part, EventData& out) {
  std::optional<std::string_view> text;
  bool thought = false;
  const bool ok = part.members([&](std::string_view key, json::Value value) {
    if (key == "text") {
      text = value.string();
      return text.has_value();
    }
    if (key == "thought") {
      const auto b = value.boolean();
      thought = b.value_or(false);
      return b.has_value();
    }
    return true;
  });
  if (ok && text) (thought ? out.thought : out.text).append(*text);
  return ok;
}

bool read_content(const json::Value& content, EventData& out) {
  return content.members([&](std::string_view key, json::Value value) {
    if (key != "parts") return true;
    return value.items([&](json::Value part) { return part.type() == json::Type::object && read_part(part, out); });
  });
}

bool read_candidate(const json::Value& candidate, EventData& out, Seen& seen) {
  return candidate.members([&](std::string_view key, json::Value value) {
    if (key == "content") return value.type() == json::Type::object && read_content(value, out);
    if (key == "finishReason") return assign(out.finish_reason, value, seen.finish_reason);
    return true;
  });
}

// Only the first candidate counts: chatrelay never asks for more than one.
bool read_candidates(const json::Value& value, EventData& out, Seen& seen) {
  bool first = true;
  return value.items([&](json::Value candidate) {
    if (!std::exchange(first, false)) return true;
    return candidate.type() == json::Type::object && read_candidate(candidate, out, seen);
  });
}

bool read_usage(const json::Value& object, Usage& usage) {
  return object.members([&](std::string_view key, json::Value value) {
    std::int64_t* target = key == "promptTokenCount"       ? &usage.prompt_tokens
                           : key == "candidatesTokenCount" ? &usage.output_tokens
                           : key == "thoughtsTokenCount"   ? &usage.thoughts_tokens
                           : key == "totalTokenCount"      ? &usage.total_tokens
                                                           : nullptr;
    if (target == nullptr) return true;
    const auto n = value.integer();
    if (n) *target = *n;
    return n.has_value();
  });
}

bool read_response(const json::Value& root, EventData& out, Seen& seen, bool& has_error) {
  return root.members([&](std::string_view key, json::Value value) {
    if (key == "candidates") return read_candidates(value, out, seen);
    if (key == "usageMetadata") {
      out.usage.emplace();
      return value.type() == json::Type::object && read_usage(value, *out.usage);
    }
    if (key == "promptFeedback") {
      return value.type() == json::Type::object && value.members([&](std::string_view k, json::Value v) {
               return k != "blockReason" || assign(out.block_reason, v, seen.block_reason);
             });
    }
    if (key == "modelVersion") return assign(out.model_version, value, seen.model_version);
    if (key == "error") {
      // Read in full by error_from_json once this pass is done; here only its type is checked.
      if (value.type() != json::Type::object) return false;
      has_error = true;
    }
    return true;
  });
}

// The parser keeps room for the largest event it has read; past this it starts afresh, so that
// one huge event is not held for the life of the process.
constexpr std::size_t kept_capacity = 1024 * 1024;

}  // namespace

struct EventParser::Impl {
  json::Reader reader;
};

EventParser::EventParser() : impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

EventParser::Result EventParser::parse(std::string_view data, EventData& out) {
  out.text.clear();
  out.thought.clear();
  out.usage.reset();
  out.error.reset();
  Seen seen;
  bool has_error = false;
  const auto root = impl_->reader.parse(data);
  bool ok = root && root->type() == json::Type::object && read_response(*root, out, seen, has_error);
  if (ok && has_error) {
    out.error = error_from_json(*root);
    ok = out.error.has_value();
  }
  impl_->reader.shrink_to(kept_capacity);
  if (!ok) {
    out.text.clear();
    out.thought.clear();
    out.usage.reset();
    seen = Seen{};
  }
  if (!seen.finish_reason) out.finish_reason.reset();
  if (!seen.block_reason) out.block_reason.reset();
  if (!seen.model_version) out.model_version.reset();
  return ok ? Result::ok : Result::malformed;
}

bool is_policy_stop(std::string_view finish_reason) {
  static constexpr std::array<std::string_view, 7> policy = {
      "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "LANGUAGE"};
  return std::ranges::find(policy, finish_reason) != policy.end();
}

}  // namespace chatrelay::gemini
