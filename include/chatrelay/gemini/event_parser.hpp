// simdjson On-Demand parser for Gemini stream events; one instance per connection, reused.
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
  // object with an "error" member fills out.error. Malformed JSON, non-object data, or wrong
  // member types give `malformed`. Never throws.
  Result parse(std::string_view data, EventData& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatrelay::gemini
