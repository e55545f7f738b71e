// Log line formatting (text or JSON) with a single write(2)-sized fputs per line.
#include "chatrelay/core/log.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::log {
namespace {

LogLevel min_level = LogLevel::info;
LogFormat current_format = LogFormat::text;

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: break;
  }
  return "off";
}

std::string now_stamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

}  // namespace

void configure(LogLevel level, LogFormat f) {
  min_level = level;
  current_format = f;
}

bool enabled(LogLevel level) { return level != LogLevel::off && level >= min_level; }

Field kv(std::string_view k, double v) {
  if (!std::isfinite(v)) return {k, "null", true};
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return {k, ec == std::errc() ? std::string(buf, end) : std::string("null"), true};
}

void append_line(std::string& line, LogFormat format, std::string_view timestamp, LogLevel level,
                 std::string_view message, std::span<const Field> fields) {
  if (format == LogFormat::json) {
    line.append("{\"ts\":\"").append(timestamp);
    line.append("\",\"level\":\"").append(level_name(level)).append("\",\"msg\":");
    json::append_string(line, message);
    for (const auto& f : fields) {
      line.push_back(',');
      json::append_string(line, f.key);
      line.push_back(':');
      if (f.number)
        line.append(f.value);
      else
        json::append_string(line, f.value);
    }
    line.push_back('}');
  } else {
    line.append(timestamp);
    line.push_back(' ');
    line.append(level_name(level));
    line.push_back(' ');
    line.append(message);
    for (const auto& f : fields) {
      line.push_back(' ');
      line.append(f.key).push_back('=');
      if (!f.number && needs_quotes(f.value))
        json::append_string(line, f.value);
      else
        line.append(f.value);
    }
  }
  line.push_back('\n');
}

void write(LogLevel level, std::string_view message, std::span<const Field> fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(160);
  append_line(line, current_format, now_stamp(), level, message, fields);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace chatrelay::log
