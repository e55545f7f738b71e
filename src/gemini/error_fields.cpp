// Reading Gemini's error objects: code, status, message and the details that matter (ErrorInfo's
// reason, RetryInfo's delay, QuotaFailure's daily quotas).
#include "error_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace chatrelay::gemini {

std::optional<double> parse_seconds(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  constexpr double longest = 1e7;  // ~4 months: keeps the arithmetic on it sane
  if (unit.starts_with("ms")) return std::min(value / 1000, longest);
  if (unit.starts_with("s")) return std::min(value, longest);
  return std::nullopt;
}

namespace {

// Stores `value`'s text in `out`; false when it is not a string.
bool get_string(const json::Value& value, std::string_view& out) {
  const auto s = value.string();
  if (s) out = *s;
  return s.has_value();
}

// Calls fn(object) for each element of an array, which must all be objects.
template <typename Fn>
bool for_each_object(const json::Value& value, Fn&& fn) {
  return value.items([&](json::Value item) { return item.type() == json::Type::object && fn(item); });
}

bool read_detail(const json::Value& detail, ErrorFields& out) {
  std::string_view type, reason, retry_delay;
  bool per_day = false;
  const bool ok = detail.members([&](std::string_view key, json::Value value) {
    if (key == "@type") return get_string(value, type);
    if (key == "reason") return get_string(value, reason);
    if (key == "retryDelay") return get_string(value, retry_delay);
    if (key == "violations") {
      return for_each_object(value, [&](const json::Value& violation) {
        return violation.members([&](std::string_view k, json::Value v) {
          if (k != "quotaId") return true;
          std::string_view quota_id;
          if (!get_string(v, quota_id)) return false;
          per_day = per_day || quota_id.find("PerDay") != std::string_view::npos;
          return true;
        });
      });
    }
    return true;
  });
  if (!ok) return false;
  if (type.ends_with(".ErrorInfo") && out.reason.empty()) out.reason = reason;
  if (type.ends_with(".RetryInfo")) out.retry_delay_s = parse_seconds(retry_delay);
  if (type.ends_with(".QuotaFailure")) out.per_day_quota = out.per_day_quota || per_day;
  return true;
}

bool read_error_object(const json::Value& error, ErrorFields& out) {
  return error.members([&](std::string_view key, json::Value value) {
    if (key == "code") {
      const auto code = value.integer();
      if (code) out.code = *code;
      return code.has_value();
    }
    if (key == "message") return get_string(value, out.message);
    if (key == "status") return get_string(value, out.status);
    if (key == "details") {
      return for_each_object(value, [&](const json::Value& detail) { return read_detail(detail, out); });
    }
    return true;
  });
}

}  // namespace

bool read_error_document(const json::Value& root, ErrorFields& out) {
  bool found = false;
  const bool ok = root.members([&](std::string_view key, json::Value value) {
    if (key != "error") return true;
    if (value.type() != json::Type::object) return false;
    found = true;
    return read_error_object(value, out);
  });
  return ok && found;
}

}  // namespace chatrelay::gemini
