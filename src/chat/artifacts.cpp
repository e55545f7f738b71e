// Fenced code blocks in a model reply: CommonMark fence rules, plus the list items and block
// quotes that model answers put them in.
//
// Container handling, kept deliberately small (we track containers, we do not build a tree):
// - List items: every "-", "+", "*", "1." or "1)" marker line opens an item whose content column
//   is where the text after the marker starts (CommonMark's rule: 1–4 spaces after the marker,
//   else one). An opening fence may sit at that column plus 0–3 spaces, so "1.  Step\n    ```sh"
//   and "- ```sh" both open a block. An item ends at a less indented marker, fence, or a less
//   indented line after a blank line (a less indented line right after text is a lazy
//   continuation and keeps the item open).
// - Block quotes: "> " prefixes are stripped; a fence opened inside N quote levels ends (closed,
//   not truncated) at the first line with fewer than N.
// - Lenient where CommonMark is strict, because a model's intent is clear: inside a block opened in
//   a list item, a less indented content line stays content (CommonMark would end the item and the
//   block), and a closing fence may be indented anywhere from 0 to the item's column plus 3.
// Not done: backslash escapes and entities in info strings; tabs count to the next multiple of 4.
#include "chatrelay/chat/artifacts.hpp"

#include <cstdint>
#include <utility>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::chat {
namespace {

bool is_blank_char(char c) { return c == ' ' || c == '\t'; }

std::size_t advance_column(std::size_t column, char c) {
  return c == '\t' ? column + 4 - column % 4 : column + 1;
}

// Leading spaces and tabs of a line: their width in columns and in bytes.
struct Indent {
  std::size_t columns = 0;
  std::size_t bytes = 0;
};

Indent measure_indent(std::string_view line) {
  Indent indent;
  while (indent.bytes < line.size() && is_blank_char(line[indent.bytes])) {
    indent.columns = advance_column(indent.columns, line[indent.bytes]);
    ++indent.bytes;
  }
  return indent;
}

// Removes up to `max` block-quote markers (each: up to 3 spaces, '>', one optional space) from the
// front of `line`; returns how many were removed.
std::size_t strip_quote_markers(std::string_view& line, std::size_t max = SIZE_MAX) {
  std::size_t depth = 0;
  while (depth < max) {
    Indent indent = measure_indent(line);
    if (indent.columns > 3 || indent.bytes == line.size() || line[indent.bytes] != '>') break;
    line.remove_prefix(indent.bytes + 1);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    ++depth;
  }
  return depth;
}

struct Fence {
  char marker;          // '`' or '~'
  std::size_t length;   // 3 or more
  std::size_t column;   // indentation of the fence, relative to the line it was found in
  std::string_view info;
};

// The opening fence that `line` is, whatever its indentation (the caller checks that).
std::optional<Fence> opening_fence(std::string_view line) {
  Indent indent = measure_indent(line);
  std::string_view rest = line.substr(indent.bytes);
  if (rest.empty() || (rest.front() != '`' && rest.front() != '~')) return std::nullopt;
  char marker = rest.front();
  std::size_t length = rest.find_first_not_of(marker);
  if (length == std::string_view::npos) length = rest.size();
  if (length < 3) return std::nullopt;
  std::string_view info = rest.substr(length);
  while (!info.empty() && is_blank_char(info.front())) info.remove_prefix(1);
  while (!info.empty() && is_blank_char(info.back())) info.remove_suffix(1);
  // "```a`b" is inline code, not a fence (CommonMark).
  if (marker == '`' && info.find('`') != std::string_view::npos) return std::nullopt;
  return Fence{marker, length, indent.columns, info};
}

bool is_closing_fence(std::string_view line, const Fence& open, std::size_t max_indent) {
  Indent indent = measure_indent(line);
  if (indent.columns > max_indent) return false;
  std::string_view rest = line.substr(indent.bytes);
  std::size_t length = rest.find_first_not_of(open.marker);
  if (length == std::string_view::npos) length = rest.size();
  if (length < open.length) return false;
  for (char c : rest.substr(length)) {
    if (!is_blank_char(c)) return false;
  }
  return true;
}

// A list item marker at the start of `line` (after `indent`): where the item's content starts,
// as a column and as a byte offset into `line`.
struct ListItem {
  std::size_t content_column;
  std::size_t content_byte;
};

std::optional<ListItem> list_item(std::string_view line, Indent indent) {
  std::size_t pos = indent.bytes;
  if (pos == line.size()) return std::nullopt;
  char c = line[pos];
  if (c == '-' || c == '+' || c == '*') {
    ++pos;
  } else {
    std::size_t digits = 0;
    while (pos < line.size() && line[pos] >= '0' && line[pos] <= '9' && digits < 10) {
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 9 || pos == line.size() || (line[pos] != '.' && line[pos] != ')')) {
      return std::nullopt;
    }
    ++pos;
  }
  std::size_t marker_end = indent.columns + (pos - indent.bytes);
  if (pos == line.size()) return ListItem{marker_end + 1, pos};  // empty item
  if (!is_blank_char(line[pos])) return std::nullopt;
  Indent after = measure_indent(line.substr(pos));
  bool blank_rest = pos + after.bytes == line.size();
  if (blank_rest || after.columns > 4) return ListItem{marker_end + 1, pos + 1};
  return ListItem{marker_end + after.columns, pos + after.bytes};
}

std::string language_of(std::string_view info) {
  std::string_view word = info.substr(0, info.find_first_of(" \t"));
  if (!word.empty() && word.front() == '{') {  // pandoc attributes: {.python .numberLines}
    word.remove_prefix(1);
    if (!word.empty() && word.back() == '}') word.remove_suffix(1);
  }
  if (!word.empty() && word.front() == '.') word.remove_prefix(1);
  if (word.empty()) return "text";
  std::string language(word);
  for (char& ch : language) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return language;
}

class Extractor {
 public:
  void feed(std::string_view line, bool terminated) {
    std::string_view rest = line;
    std::size_t depth = strip_quote_markers(rest);
    if (open_) {
      if (depth >= open_->quote_depth) {
        rest = line;
        strip_quote_markers(rest, open_->quote_depth);
        if (is_closing_fence(rest, open_->fence, open_->close_max_indent)) {
          finish_block(false);
        } else {
          append_content(rest, terminated);
        }
        return;
      }
      finish_block(false);  // its block quote ended, and so did the block
    }
    feed_outside(rest, depth);
  }

  std::vector<Artifact> finish() && {
    if (open_) finish_block(true);
    return std::move(artifacts_);
  }

 private:
  struct OpenBlock {
    Fence fence;
    std::size_t quote_depth;
    std::size_t strip_columns;     // content lines lose up to this much indentation
    std::size_t close_max_indent;  // a closing fence may be indented up to this
    Artifact artifact;
  };

  void feed_outside(std::string_view line, std::size_t depth) {
    if (depth != quote_depth_) {
      list_columns_.clear();
      quote_depth_ = depth;
    }
    Indent indent = measure_indent(line);
    if (indent.bytes == line.size()) {
      previous_blank_ = true;
      return;
    }
    bool after_blank = std::exchange(previous_blank_, false);
    if (auto fence = opening_fence(line)) {
      close_items_deeper_than(indent.columns);
      std::size_t container = list_columns_.empty() ? 0 : list_columns_.back();
      if (indent.columns <= container + 3) {
        open_block(*fence, indent.columns, container + 3);
        return;
      }
    }
    std::size_t container = list_columns_.empty() ? 0 : list_columns_.back();
    if (indent.columns <= container + 3) {
      if (auto item = list_item(line, indent)) {
        close_items_deeper_than(indent.columns);
        list_columns_.push_back(item->content_column);
        // "- ```python": a fence can start the item's content.
        auto fence = opening_fence(line.substr(item->content_byte));
        if (fence && fence->column <= 3) {
          open_block(*fence, item->content_column + fence->column, item->content_column + 3);
        }
        return;
      }
    }
    if (after_blank) close_items_deeper_than(indent.columns);
  }

  void close_items_deeper_than(std::size_t column) {
    while (!list_columns_.empty() && list_columns_.back() > column) list_columns_.pop_back();
  }

  void open_block(const Fence& fence, std::size_t fence_column, std::size_t close_max_indent) {
    open_.emplace(OpenBlock{fence, quote_depth_, fence_column, close_max_indent,
                            Artifact{language_of(fence.info), {}, false}});
  }

  void append_content(std::string_view line, bool terminated) {
    std::string& code = open_->artifact.code;
    std::size_t column = 0;
    std::size_t i = 0;
    while (i < line.size() && is_blank_char(line[i]) && column < open_->strip_columns) {
      std::size_t next = advance_column(column, line[i]);
      if (next > open_->strip_columns) {  // a tab straddling the cut keeps its remainder
        code.append(next - open_->strip_columns, ' ');
      }
      column = next;
      ++i;
    }
    code.append(line.substr(i));
    if (terminated) code.push_back('\n');
  }

  void finish_block(bool truncated) {
    open_->artifact.truncated = truncated;
    artifacts_.push_back(std::move(open_->artifact));
    open_.reset();
    previous_blank_ = false;
  }

  std::vector<Artifact> artifacts_;
  std::optional<OpenBlock> open_;
  std::vector<std::size_t> list_columns_;  // content columns of the open list items, innermost last
  std::size_t quote_depth_ = 0;
  bool previous_blank_ = true;
};

}  // namespace

std::vector<Artifact> extract_artifacts(std::string_view markdown) {
  Extractor extractor;
  std::size_t pos = 0;
  while (pos < markdown.size()) {
    std::size_t end = markdown.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      extractor.feed(markdown.substr(pos), false);
      break;
    }
    extractor.feed(markdown.substr(pos, end - pos), true);
    pos = end + (markdown.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  return std::move(extractor).finish();
}

std::optional<std::size_t> primary_artifact(const std::vector<Artifact>& artifacts) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    if (!best || artifacts[i].code.size() >= artifacts[*best].code.size()) best = i;
  }
  return best;
}

void append_artifact_json(std::string& out, const Artifact& a) {
  json::ObjectWriter writer(out);
  writer.string("language", a.language).string("code", a.code);
  if (a.truncated) writer.boolean("truncated", true);
  writer.close();
}

}  // namespace chatrelay::chat
