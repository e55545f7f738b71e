// Levelled logging to stderr as text or one JSON object per line. Never given bodies or secrets.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "chatrelay/core/log_level.hpp"

namespace chatrelay::log {

// One key/value of a log line; numbers are passed pre-formatted and marked as such.
struct Field {
  std::string_view key;
  std::string value;
  bool number = false;
};

inline Field kv(std::string_view k, std::string_view v) { return {k, std::string(v), false}; }
inline Field kv(std::string_view k, const char* v) { return {k, std::string(v), false}; }
inline Field kv(std::string_view k, const std::string& v) { return {k, v, false}; }
template <typename N>
  requires std::is_arithmetic_v<N>
Field kv(std::string_view k, N v) {
  return {k, std::to_string(v), true};
}

void configure(LogLevel level, LogFormat format);
bool enabled(LogLevel level);
void write(LogLevel level, std::string_view message, std::span<const Field> fields);
inline void write(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(level, message, std::span<const Field>(fields.begin(), fields.size()));
}

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(LogLevel::error, m, f); }

}  // namespace chatrelay::log
