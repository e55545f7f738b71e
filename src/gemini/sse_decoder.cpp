// The byte-level core of SseDecoder: line splitting, field handling, raw blocks, bounds.
#include "chatrelay/gemini/sse_decoder.hpp"

#include <algorithm>
#include <cstring>

namespace chatrelay::gemini {
namespace {

// Only the four fields of the SSE spec count as fields: any other line (a JSON error body, an
// HTML page from a proxy) is kept as raw text, so the caller can still report what came.
bool is_sse_field(std::string_view name) {
  return name == "data" || name == "event" || name == "id" || name == "retry";
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// Index of the first \r or \n, or npos. Two memchr passes (vectorised in libc) instead of a
// byte loop: the stream is mostly long JSON lines.
std::size_t find_line_end(std::string_view bytes) {
  const char* begin = bytes.data();
  const void* lf = std::memchr(begin, '\n', bytes.size());
  const std::size_t limit =
      lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : bytes.size();
  if (const void* cr = std::memchr(begin, '\r', limit)) {
    return static_cast<std::size_t>(static_cast<const char*>(cr) - begin);
  }
  return lf ? limit : std::string_view::npos;
}

}  // namespace

void SseDecoder::reset() {
  line_.clear();
  data_.clear();
  raw_.clear();
  pending_ = Block::none;
  ready_ = Block::none;
  data_seen_ = false;
  skip_lf_ = false;
  too_large_ = false;
}

void SseDecoder::release_buffers() {
  for (std::string* s : {&line_, &data_, &raw_})
    if (s->empty()) std::string().swap(*s);
}

std::string_view SseDecoder::event_view() const {
  return ready_ == Block::data ? std::string_view(data_) : std::string_view(raw_);
}

void SseDecoder::clear_ready() {
  if (ready_ == Block::data) {
    data_.clear();
    data_seen_ = false;
  } else if (ready_ == Block::raw) {
    raw_.clear();
  }
  ready_ = Block::none;
}

SseDecoder::Step SseDecoder::fail_too_large() {
  too_large_ = true;
  line_.clear();
  return Step::too_large;
}

bool SseDecoder::dispatch_pending() {
  if (pending_ == Block::none) return false;
  ready_ = pending_;
  pending_ = Block::none;
  return true;
}

bool SseDecoder::begin_block(Block block) {
  if (pending_ == block) return false;
  const bool dispatched = dispatch_pending();
  pending_ = block;
  return dispatched;
}

SseDecoder::Step SseDecoder::take_line(std::string_view line) {
  if (line.empty()) return dispatch_pending() ? Step::event : Step::need_more;
  if (line.front() == ':') return Step::need_more;  // comment

  const auto colon = line.find(':');
  const auto name = line.substr(0, colon);
  if (is_sse_field(name)) {
    if (name != "data") return Step::need_more;  // event, id, retry: nothing Gemini needs
    auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    const bool dispatched = begin_block(Block::data);
    if (data_.size() + (data_seen_ ? 1 : 0) + value.size() > max_event_bytes_)
      return fail_too_large();
    if (data_seen_) data_.push_back('\n');
    data_seen_ = true;
    data_.append(value);
    return dispatched ? Step::event : Step::need_more;
  }

  if (pending_ != Block::raw && is_blank(line)) return Step::need_more;  // stray whitespace
  const bool dispatched = begin_block(Block::raw);
  if (raw_.size() + (raw_.empty() ? 0 : 1) + line.size() > max_event_bytes_)
    return fail_too_large();
  if (!raw_.empty()) raw_.push_back('\n');
  raw_.append(line);
  return dispatched ? Step::event : Step::need_more;
}

SseDecoder::Step SseDecoder::consume(std::string_view& bytes) {
  clear_ready();
  if (too_large_) {
    bytes = {};
    return Step::too_large;
  }
  while (!bytes.empty()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const auto eol = find_line_end(bytes);
    // Every line, a comment or one that is still arriving included, is bounded by the event limit
    // on its whole length: how reads split it must not change whether it is too large.
    if (line_.size() + std::min(eol, bytes.size()) > max_event_bytes_) return fail_too_large();
    if (eol == std::string_view::npos) {
      line_.append(bytes);
      bytes = {};
      break;
    }
    // A line ending in \r is complete now; whether a \n follows (maybe in the next read) only
    // decides if that \n is skipped, so the event is not held back waiting for it.
    skip_lf_ = bytes[eol] == '\r';
    const auto line = bytes.substr(0, eol);
    bytes.remove_prefix(eol + 1);
    Step step;
    if (line_.empty()) {
      step = take_line(line);
    } else {
      line_.append(line);
      step = take_line(line_);
      line_.clear();
    }
    if (step != Step::need_more) return step;
  }
  return Step::need_more;
}

bool SseDecoder::flush() {
  clear_ready();
  if (too_large_) return false;
  skip_lf_ = false;
  if (!line_.empty()) {
    const Step step = take_line(line_);
    line_.clear();
    if (step == Step::too_large) return false;
    if (step == Step::event) return true;
  }
  return dispatch_pending();
}

}  // namespace chatrelay::gemini
