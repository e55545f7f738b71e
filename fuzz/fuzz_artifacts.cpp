// libFuzzer target: chat::extract_artifacts, primary_artifact and append_artifact_json on any
// model reply. Invariants: blocks only hold text of the reply (never longer than it, beyond the
// spaces a tab straddling the cut becomes), `code` uses \n only, only the last block can be
// truncated, the language is one lower-case word, the primary block is the largest (ties: the
// last), the JSON of each block parses and round-trips, and \r\n or \r line endings give the same
// blocks as \n.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/chat/artifacts.hpp"
#include "fuzz_check.hpp"

using namespace chatrelay::chat;
namespace dom = simdjson::dom;

namespace {

bool same(const std::vector<Artifact>& a, const std::vector<Artifact>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].language != b[i].language || a[i].code != b[i].code ||
        a[i].truncated != b[i].truncated)
      return false;
  }
  return true;
}

// `text` with every \n replaced by `eol`.
std::string with_line_ending(std::string_view text, std::string_view eol) {
  std::string out;
  out.reserve(text.size() * eol.size());
  for (char c : text) {
    if (c == '\n') {
      out += eol;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view markdown(reinterpret_cast<const char*>(bytes), size);
  const auto artifacts = extract_artifacts(markdown);

  // A tab cut by the strip column becomes up to 3 spaces; nothing else grows.
  const auto tabs = static_cast<std::size_t>(std::count(markdown.begin(), markdown.end(), '\t'));
  const bool utf8 = simdjson::validate_utf8(markdown);
  std::size_t total_code = 0;
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    const Artifact& a = artifacts[i];
    if (tabs == 0) FUZZ_CHECK(a.code.size() <= markdown.size(), "code is not longer than the input");
    total_code += a.code.size();
    FUZZ_CHECK(a.code.find('\r') == std::string::npos, "code uses \\n line endings");
    FUZZ_CHECK(!a.truncated || i + 1 == artifacts.size(), "only the last block is left open");
    FUZZ_CHECK(!a.language.empty(), "a block has a language");
    for (char c : a.language) {
      FUZZ_CHECK(!(c >= 'A' && c <= 'Z') && c != ' ' && c != '\t' && c != '\n' && c != '\r',
                 "the language is one lower-case word");
    }

    std::string json;
    append_artifact_json(json, a);
    static dom::parser parser;
    dom::element root;
    FUZZ_CHECK(parser.parse(json).get(root) == simdjson::SUCCESS, "the artifact JSON parses");
    std::string_view language, code;
    FUZZ_CHECK(root["language"].get(language) == simdjson::SUCCESS, "the JSON has the language");
    FUZZ_CHECK(root["code"].get(code) == simdjson::SUCCESS, "the JSON has the code");
    bool truncated = false;
    const bool has_truncated = root["truncated"].get(truncated) == simdjson::SUCCESS;
    FUZZ_CHECK(has_truncated == a.truncated && truncated == a.truncated, "truncated round-trips");
    if (utf8) {
      FUZZ_CHECK(language == a.language && code == a.code, "valid UTF-8 round-trips exactly");
    }
  }
  FUZZ_CHECK(total_code <= markdown.size() + 2 * tabs, "blocks only hold text of the reply");

  const auto primary = primary_artifact(artifacts);
  FUZZ_CHECK(primary.has_value() == !artifacts.empty(), "a primary block exactly when any");
  if (primary) {
    FUZZ_CHECK(*primary < artifacts.size(), "the primary index is in range");
    for (std::size_t i = 0; i < artifacts.size(); ++i) {
      const auto primary_size = artifacts[*primary].code.size();
      FUZZ_CHECK(artifacts[i].code.size() < primary_size ||
                     (artifacts[i].code.size() == primary_size && i <= *primary),
                 "the primary block is the largest, ties: the last");
    }
  }

  // Line endings do not matter: \r\n and \r read like \n.
  if (markdown.find('\r') == std::string_view::npos && markdown.size() <= 64 * 1024) {
    FUZZ_CHECK(same(extract_artifacts(with_line_ending(markdown, "\r\n")), artifacts),
               "CRLF line endings give the same blocks");
    FUZZ_CHECK(same(extract_artifacts(with_line_ending(markdown, "\r")), artifacts),
               "CR line endings give the same blocks");
  }
  return 0;
}
