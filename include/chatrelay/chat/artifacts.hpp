// Code artifacts: fenced code blocks found in a model reply (CommonMark fence rules).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::chat {

struct Artifact {
  std::string language;    // first word of the info string, lower-cased; "text" when absent
  std::string code;        // the block's content lines, each ending in '\n' except a last unterminated one
  bool truncated = false;  // the fence was never closed (reply cut off)
};

// All fenced blocks (``` or ~~~, 3+ chars, indented 0–3 spaces, inside list items and block quotes
// too) in order. Line endings may be \n, \r\n or \r; `code` always uses \n.
std::vector<Artifact> extract_artifacts(std::string_view markdown);

// The largest block by code size (ties: the last one); nullopt when there is none.
std::optional<std::size_t> primary_artifact(const std::vector<Artifact>& artifacts);

// Appends {"language":…,"code":…} (plus "truncated":true when so) to `out`.
void append_artifact_json(std::string& out, const Artifact& a);

}  // namespace chatrelay::chat
