// NDJSON chunk encoding with the json writer: every string escaped, output always valid UTF-8.
#include "chatrelay/chat/ndjson.hpp"

#include <cmath>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::chat {

void append_token(std::string& out, std::string_view type, std::string_view text) {
  out.append(R"({"type":")").append(type).append(R"(","content":)");
  json::append_string(out, text);
  out.append("}\n");
}

void append_complete(std::string& out, const Completion& c) {
  json::ObjectWriter w(out);
  w.string("type", "complete").string("content", c.content);
  std::string artifact = "null";
  std::string all = "[";
  if (c.artifacts && !c.artifacts->empty()) {
    artifact.clear();
    append_artifact_json(artifact, (*c.artifacts)[*primary_artifact(*c.artifacts)]);
    for (std::size_t i = 0; i < c.artifacts->size(); ++i) {
      if (i) all.push_back(',');
      append_artifact_json(all, (*c.artifacts)[i]);
    }
  }
  all.push_back(']');
  w.raw("artifact", artifact).raw("artifacts", all);
  w.string("session_id", c.session_id).string("finish_reason", c.finish_reason).string("model", c.model);
  if (c.usage) {
    std::string usage;
    json::ObjectWriter(usage)
        .number("prompt_tokens", c.usage->prompt_tokens)
        .number("output_tokens", c.usage->output_tokens)
        .number("total_tokens", c.usage->total_tokens)
        .close();
    w.raw("usage", usage);
  } else {
    w.null("usage");
  }
  w.close();
  out.push_back('\n');
}

void append_error(std::string& out, ErrorCode code, std::string_view message,
                  std::optional<double> retry_after_s) {
  json::ObjectWriter w(out);
  w.string("type", "error").string("content", message).string("code", wire_name(code));
  if (retry_after_s) w.number("retry_after", static_cast<std::int64_t>(std::ceil(*retry_after_s)));
  w.close();
  out.push_back('\n');
}

}  // namespace chatrelay::chat
