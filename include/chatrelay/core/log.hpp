// Levelled logging to stderr as text or one JSON object per line. Never given bodies or secrets.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "chatrelay/core/log_level.hpp"

namespace chatrelay::log {

// One key/value of a log line; numbers (and booleans) are passed pre-formatted and marked as
// such: written bare, in JSON too.
struct Field {
  std::string_view key;
  std::string value;
  bool number = false;
};

inline Field kv(std::string_view k, std::string_view v) { return {k, std::string(v), false}; }
inline Field kv(std::string_view k, const char* v) { return {k, std::string(v), false}; }
inline Field kv(std::string_view k, const std::string& v) { return {k, v, false}; }
inline Field kv(std::string_view k, bool v) { return {k, v ? "true" : "false", true}; }
// Counts (attempts, bytes, statuses) print as integers: "1", never "1.0" or "1.000000".
template <typename N>
  requires std::is_integral_v<N>
Field kv(std::string_view k, N v) {
  return {k, std::to_string(v), true};
}
// Fractions print in the shortest form that reads back the same ("12.5", "0.25", "3"); NaN and
// infinities as null.
Field kv(std::string_view k, double v);
inline Field kv(std::string_view k, float v) { return kv(k, static_cast<double>(v)); }

void configure(LogLevel level, LogFormat format);
bool enabled(LogLevel level);
// Appends one line (with its newline) as write() prints it, stamped `timestamp`.
void append_line(std::string& out, LogFormat format, std::string_view timestamp, LogLevel level,
                 std::string_view message, std::span<const Field> fields);
void write(LogLevel level, std::string_view message, std::span<const Field> fields);
inline void write(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(level, message, std::span<const Field>(fields.begin(), fields.size()));
}

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::error, m, f); }

}  // namespace chatrelay::log
