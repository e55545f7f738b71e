// Parser for Gemini stream events (JSON → EventData); one instance serves every call, reused.
#pragma once

#include <memory>
#include <string_view>

#include "chatrelay/gemini/events.hpp"

namespace chatrelay::gemini {

class EventParser {
 public:
  EventParser();
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;

  enum class Result { ok, malformed };

  // Parses one event's data into `out` (cleared first; its string capacity is reused). A JSON
  // object with an "error" member fills out.error (see error_from_event). Malformed JSON,
  // non-object data, trailing bytes after the object, or wrong types of the members read give
  // `malformed`, and `out` then holds nothing. Only candidates[0] is read. Never throws.
  Result parse(std::string_view data, EventData& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::gemini
