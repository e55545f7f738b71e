// Gemini stream events (GenerateContentResponse JSON) → EventData, with simdjson On-Demand.
#include "chatrelay/gemini/event_parser.hpp"

#include <simdjson.h>

#include <cstring>
#include <string>

#include "chatrelay/gemini/errors.hpp"

#include "json_fields.hpp"

namespace chatrelay::gemini {
namespace {

namespace od = simdjson::ondemand;
using simdjson::SUCCESS;

using json_fields::for_each_field;

template <typename Fn>
bool with_object(od::value& value, Fn&& fn) {
  od::object object;
  return value.get_object().get(object) == SUCCESS && fn(object);
}

bool get_string(od::value& value, std::string_view& out) {
  return value.get_string().get(out) == SUCCESS;
}

// Set when a member was present, so optionals that stay present keep their string capacity.
struct Seen {
  bool finish_reason = false;
  bool block_reason = false;
  bool model_version = false;
  bool error = false;
};

bool assign(std::optional<std::string>& target, od::value& value, bool& seen) {
  std::string_view text;
  if (!get_string(value, text)) return false;
  if (target) {
    target->assign(text);
  } else {
    target.emplace(text);
  }
  seen = true;
  return true;
}

// {"text": "...", "thought": true, "thoughtSignature": "..."}; parts without text (functionCall,
// a bare signature) add nothing.
bool read_part(od::object& part, EventData& out) {
  std::string_view text;
  bool has_text = false;
  bool thought = false;
  const bool ok = for_each_field(part, [&](std::string_view key, od::value& value) {
    if (key == "text") {
      has_text = get_string(value, text);
      return has_text;
    }
    if (key == "thought") return value.get_bool().get(thought) == SUCCESS;
    return true;
  });
  if (ok && has_text) (thought ? out.thought : out.text).append(text);
  return ok;
}

bool read_content(od::object& content, EventData& out) {
  return for_each_field(content, [&](std::string_view key, od::value& value) {
    if (key != "parts") return true;
    od::array parts;
    if (value.get_array().get(parts) != SUCCESS) return false;
    for (auto element : parts) {
      od::object part;
      if (element.get_object().get(part) != SUCCESS || !read_part(part, out)) return false;
    }
    return true;
  });
}

bool read_candidate(od::object& candidate, EventData& out, Seen& seen) {
  return for_each_field(candidate, [&](std::string_view key, od::value& value) {
    if (key == "content") {
      return with_object(value, [&](od::object& content) { return read_content(content, out); });
    }
    if (key == "finishReason") return assign(out.finish_reason, value, seen.finish_reason);
    return true;
  });
}

// Only the first candidate counts: chatrelay never asks for more than one.
bool read_candidates(od::value& value, EventData& out, Seen& seen) {
  od::array candidates;
  if (value.get_array().get(candidates) != SUCCESS) return false;
  bool first = true;
  for (auto element : candidates) {
    od::value candidate;
    if (element.get(candidate) != SUCCESS) return false;
    if (!first) continue;  // skipped unread
    first = false;
    if (!with_object(candidate, [&](od::object& c) { return read_candidate(c, out, seen); })) {
      return false;
    }
  }
  return true;
}

bool read_usage(od::object& object, Usage& usage) {
  return for_each_field(object, [&](std::string_view key, od::value& value) {
    std::int64_t* target = key == "promptTokenCount"       ? &usage.prompt_tokens
                           : key == "candidatesTokenCount" ? &usage.output_tokens
                           : key == "thoughtsTokenCount"   ? &usage.thoughts_tokens
                           : key == "totalTokenCount"      ? &usage.total_tokens
                                                           : nullptr;
    return target == nullptr || value.get_int64().get(*target) == SUCCESS;
  });
}

bool read_response(od::object& root, EventData& out, Seen& seen) {
  return for_each_field(root, [&](std::string_view key, od::value& value) {
    if (key == "candidates") return read_candidates(value, out, seen);
    if (key == "usageMetadata") {
      out.usage.emplace();
      return with_object(value, [&](od::object& usage) { return read_usage(usage, *out.usage); });
    }
    if (key == "promptFeedback") {
      return with_object(value, [&](od::object& feedback) {
        return for_each_field(feedback, [&](std::string_view k, od::value& v) {
          return k != "blockReason" || assign(out.block_reason, v, seen.block_reason);
        });
      });
    }
    if (key == "modelVersion") return assign(out.model_version, value, seen.model_version);
    if (key == "error") {
      // Read in full by error_from_event once this pass is done; here only its type is checked.
      od::json_type type;
      if (value.type().get(type) != SUCCESS || type != od::json_type::object) return false;
      seen.error = true;
    }
    return true;
  });
}

}  // namespace

struct EventParser::Impl {
  od::parser parser;
  std::string padded;  // the event's bytes followed by SIMDJSON_PADDING bytes, reused

  bool read(std::string_view data, EventData& out, Seen& seen) {
    padded.resize(data.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), data.data(), data.size());
    od::document doc;
    if (parser.iterate(padded.data(), data.size(), padded.size()).get(doc) != SUCCESS) {
      return false;
    }
    od::object root;
    if (doc.get_object().get(root) != SUCCESS || !read_response(root, out, seen)) return false;
    // Past the root object nothing may follow.
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }
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
  bool ok = impl_->read(data, out, seen);
  if (ok && seen.error) {
    out.error = error_from_event(data);
    ok = out.error.has_value();
  }
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

}  // namespace chatrelay::gemini
