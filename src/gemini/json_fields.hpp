// Shared simdjson On-Demand walking for the gemini decoders (private to src/gemini).
#pragma once

#include <simdjson.h>

#include <string_view>
#include <utility>

namespace chatrelay::gemini::json_fields {

namespace od = simdjson::ondemand;
using simdjson::SUCCESS;

// Calls fn(key, value) for each member, in document order (members may come in any order and
// unknown ones are skipped); false on malformed JSON or when fn says so.
template <typename Fn>
bool for_each_field(od::object& object, Fn&& fn) {
  for (auto member : object) {
    od::field field;
    if (std::move(member).get(field) != SUCCESS) return false;
    std::string_view key;
    if (field.unescaped_key().get(key) != SUCCESS) return false;
    if (!fn(key, field.value())) return false;
  }
  return true;
}

}  // namespace chatrelay::gemini::json_fields
