// Commands in RESP2: an array of bulk strings, binary-safe (pure, no I/O).
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace chatrelay::redis {

// Appends `*N\r\n` and `$len\r\narg\r\n` for each argument to `out`.
void append_command(std::string& out, std::span<const std::string> args);
void append_command(std::string& out, std::initializer_list<std::string_view> args);

}  // namespace chatrelay::redis
