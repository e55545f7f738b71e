// The NDJSON chunks of /api/chat/stream (DESIGN.md §1), each one JSON object and a newline.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/chat/artifacts.hpp"
#include "chatrelay/gemini/events.hpp"

namespace chatrelay::chat {

// {"type":"token","content":…}\n  (type "thinking" for thought text)
void append_token(std::string& out, std::string_view type, std::string_view text);

struct Completion {
  std::string_view content;
  const std::vector<Artifact>* artifacts = nullptr;
  std::string_view session_id;
  std::string_view finish_reason;
  std::string_view model;
  std::optional<gemini::Usage> usage;
};

// {"type":"complete","content":…,"artifact":…|null,"artifacts":[…],"session_id":…,
//  "finish_reason":…,"model":…,"usage":{…}}\n
void append_complete(std::string& out, const Completion& c);

// {"type":"error","content":…,"code":…[,"retry_after":N]}\n
void append_error(std::string& out, ErrorCode code, std::string_view message,
                  std::optional<double> retry_after_s = std::nullopt);

}  // namespace chatrelay::chat
