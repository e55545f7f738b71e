// Fenced code block extraction: CommonMark edge cases, the shapes models write, and a recorded
// Gemini answer.
#include "chatrelay/chat/artifacts.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using chatrelay::chat::append_artifact_json;
using chatrelay::chat::Artifact;
using chatrelay::chat::extract_artifacts;
using chatrelay::chat::primary_artifact;

namespace {

// The text a client would have seen: every non-thought `text` part of every `data:` event.
std::string answer_text_of_recording(const std::string& name) {
  const char* dir = std::getenv("CHATRELAY_RECORDINGS");
  REQUIRE(dir != nullptr);
  std::ifstream in(std::string(dir) + "/" + name, std::ios::binary);
  REQUIRE(in.good());
  simdjson::dom::parser parser;
  std::string text;
  std::string line;
  std::size_t events = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) != 0) continue;
    simdjson::dom::element event;
    REQUIRE(parser.parse(line.substr(5)).get(event) == simdjson::SUCCESS);
    ++events;
    simdjson::dom::array candidates;
    if (event["candidates"].get(candidates) != simdjson::SUCCESS) continue;
    for (simdjson::dom::element candidate : candidates) {
      simdjson::dom::array parts;
      if (candidate["content"]["parts"].get(parts) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element part : parts) {
        bool thought = false;
        if (part["thought"].get(thought) == simdjson::SUCCESS && thought) continue;
        std::string_view piece;
        if (part["text"].get(piece) == simdjson::SUCCESS) text.append(piece);
      }
    }
  }
  REQUIRE(events > 0);
  return text;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

TEST_CASE("a plain backtick fence with a language") {
  auto blocks = extract_artifacts("Here:\n\n```Python\nprint('hi')\n```\n\nDone.");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].language == "python");
  CHECK(blocks[0].code == "print('hi')\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("no info string reads as text; empty blocks count") {
  auto blocks = extract_artifacts("```\nplain\n```\n```\n```\n");
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].language == "text");
  CHECK(blocks[0].code == "plain\n");
  CHECK(blocks[1].code.empty());
}

TEST_CASE("tilde fences, and backticks inside them") {
  auto blocks = extract_artifacts("~~~ruby\nputs `ls`\n```\n~~~\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].language == "ruby");
  CHECK(blocks[0].code == "puts `ls`\n```\n");
}

TEST_CASE("a closing fence may be longer, never shorter, and allows only trailing blanks") {
  auto blocks = extract_artifacts("````js\na\n```\n```` x\n`````  \t\nafter");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "a\n```\n```` x\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("a shorter fence inside a longer one is content") {
  std::string md = "````markdown\nUse:\n```bash\nls\n```\n````\n";
  auto blocks = extract_artifacts(md);
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].language == "markdown");
  CHECK(blocks[0].code == "Use:\n```bash\nls\n```\n");
}

TEST_CASE("the closing fence uses the opening character") {
  auto blocks = extract_artifacts("```\na\n~~~\n```");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "a\n~~~\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("fewer than three fence characters is no fence") {
  CHECK(extract_artifacts("``\ncode\n``\n").empty());
  CHECK(extract_artifacts("~~\ncode\n~~\n").empty());
}

TEST_CASE("a backtick info string may not contain backticks") {
  CHECK(extract_artifacts("```a`b\nx\n```\n").size() == 1);  // only the last line opens one
  CHECK(extract_artifacts("```a`b\nx\n```\n")[0].truncated);
  auto tilde = extract_artifacts("~~~a`b\nx\n~~~\n");
  REQUIRE(tilde.size() == 1);
  CHECK(tilde[0].language == "a`b");
}

TEST_CASE("indented fences: 0-3 spaces open one and lose that much from each line") {
  auto blocks = extract_artifacts("  ```c\n  int x;\n    y;\nz;\n   ```\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "int x;\n  y;\nz;\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("four spaces is an indented code block, not a fence") {
  CHECK(extract_artifacts("Text\n\n    ```python\n    x = 1\n    ```\n").empty());
}

TEST_CASE("a closing fence indented four spaces is content") {
  auto blocks = extract_artifacts("```\na\n    ```\n```\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "a\n    ```\n");
}

TEST_CASE("info strings: first word, lower-cased, attributes stripped") {
  CHECK(extract_artifacts("```JavaScript title=\"app.js\" {1,3}\nx\n```")[0].language ==
        "javascript");
  CHECK(extract_artifacts("```{.python .numberLines}\nx\n```")[0].language == "python");
  CHECK(extract_artifacts("``` {python}\nx\n```")[0].language == "python");
  CHECK(extract_artifacts("```   rust   \nx\n```")[0].language == "rust");
}

TEST_CASE("an unclosed block is kept, marked truncated") {
  auto blocks = extract_artifacts("Start\n```html\n<!DOCTYPE html>\n<p>cut he");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].language == "html");
  CHECK(blocks[0].code == "<!DOCTYPE html>\n<p>cut he");
  CHECK(blocks[0].truncated);

  auto bare = extract_artifacts("```go");
  REQUIRE(bare.size() == 1);
  CHECK(bare[0].code.empty());
  CHECK(bare[0].truncated);
}

TEST_CASE("CRLF and CR line endings") {
  auto blocks = extract_artifacts("Hi\r\n```sh\r\necho a\r\n\r\necho b\r\n```\r\nbye\r\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "echo a\n\necho b\n");
  CHECK_FALSE(blocks[0].truncated);
  auto cr = extract_artifacts("```sh\recho a\r```\r");
  REQUIRE(cr.size() == 1);
  CHECK(cr[0].code == "echo a\n");
}

TEST_CASE("fences under numbered and bulleted list items") {
  std::string md =
      "Steps:\n\n"
      "1. Install\n"
      "   ```bash\n"
      "   npm i\n"
      "   ```\n"
      "2.  Configure\n"
      "\n"
      "    ```json\n"
      "    {\n"
      "      \"a\": 1\n"
      "    }\n"
      "    ```\n"
      "*   Nested:\n"
      "    - item\n"
      "      ```py\n"
      "      pass\n"
      "      ```\n";
  auto blocks = extract_artifacts(md);
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].language == "bash");
  CHECK(blocks[0].code == "npm i\n");
  CHECK(blocks[1].language == "json");
  CHECK(blocks[1].code == "{\n  \"a\": 1\n}\n");
  CHECK(blocks[2].language == "py");
  CHECK(blocks[2].code == "pass\n");
  for (const auto& b : blocks) CHECK_FALSE(b.truncated);
}

TEST_CASE("a fence on the list marker's own line") {
  auto blocks = extract_artifacts("- ```sql\n  SELECT 1;\n  ```\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].language == "sql");
  CHECK(blocks[0].code == "SELECT 1;\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("a list ends after a blank line and a less indented paragraph") {
  CHECK(extract_artifacts("- item\n\nParagraph\n\n    ```\n    x\n    ```\n").empty());
  // ...but a lazy continuation line keeps it open.
  auto lazy = extract_artifacts("-   item\ncontinued\n\n    ```\n    x\n    ```\n");
  REQUIRE(lazy.size() == 1);
  CHECK(lazy[0].code == "x\n");
}

TEST_CASE("inside a list item, a less indented closing fence still closes") {
  auto blocks = extract_artifacts("1. Run\n   ```sh\n   make\n```\nafter\n");
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].code == "make\n");
  CHECK_FALSE(blocks[0].truncated);
}

TEST_CASE("fences in block quotes end with the quote") {
  auto blocks = extract_artifacts("> ```py\n> x = 1\n>\n> ```\n> ```\n> y\nno longer quoted\n");
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].code == "x = 1\n\n");
  CHECK_FALSE(blocks[0].truncated);
  CHECK(blocks[1].code == "y\n");
  CHECK_FALSE(blocks[1].truncated);
}

TEST_CASE("inline triple backticks are not fences") {
  CHECK(extract_artifacts("Use ```code``` inline, or ``` `x` ```.").empty());
}

TEST_CASE("primary_artifact: the largest, ties go to the last, none is nullopt") {
  CHECK_FALSE(primary_artifact({}).has_value());
  CHECK_FALSE(primary_artifact(extract_artifacts("no code here")).has_value());
  auto blocks = extract_artifacts("```a\n12345\n```\n```b\nbig block\n```\n```c\nsize10...\n```\n");
  REQUIRE(blocks.size() == 3);
  REQUIRE(blocks[1].code.size() == blocks[2].code.size());
  CHECK(primary_artifact(blocks) == 2u);
  auto single = extract_artifacts("```a\nlonger one\n```\n```b\nx\n```\n");
  CHECK(primary_artifact(single) == 0u);
}

TEST_CASE("append_artifact_json escapes and marks truncation") {
  std::string out;
  append_artifact_json(out, Artifact{"python", "print(\"a\\tb\")\n</script>\x01", false});
  CHECK(out == R"({"language":"python","code":"print(\"a\\tb\")\n</script>\u0001"})");
  out.clear();
  append_artifact_json(out, Artifact{"text", "x", true});
  CHECK(out == R"({"language":"text","code":"x","truncated":true})");
}

TEST_CASE("the recorded gemini-2.5-flash Tetris answer has one python artifact") {
  std::string text = answer_text_of_recording("text-codefence-2.5-flash.sse");
  REQUIRE(text.size() > 10000);
  auto blocks = extract_artifacts(text);
  REQUIRE(blocks.size() == 1);
  const Artifact& a = blocks[0];
  CHECK(a.language == "python");
  CHECK_FALSE(a.truncated);
  CHECK(starts_with(a.code, "import curses\nimport random\nimport time\n\n# --- Game Configuration"));
  CHECK(ends_with(a.code,
                  "        print(\"On Windows, you might need to install 'windows-curses' "
                  "(`pip install windows-curses`).\")\n"));
  CHECK(a.code.find("```") == std::string::npos);
  CHECK(primary_artifact(blocks) == 0u);
}
