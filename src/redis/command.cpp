// RESP2 command encoding.
#include "chatrelay/redis/command.hpp"

namespace chatrelay::redis {
namespace {

template <typename Range>
void append(std::string& out, const Range& args) {
  std::size_t bytes = 16;
  for (const auto& a : args) bytes += std::string_view(a).size() + 16;
  out.reserve(out.size() + bytes);
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    const std::string_view arg(a);
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
}

}  // namespace

void append_command(std::string& out, std::span<const std::string> args) { append(out, args); }
void append_command(std::string& out, std::initializer_list<std::string_view> args) { append(out, args); }

}  // namespace chatrelay::redis
