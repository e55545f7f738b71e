// An HTTP/1.1 request or response head plus (bounded) body, as the parser fills it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatrelay::http1 {

struct Header {
  std::string name;  // lower-cased
  std::string value;
};

struct Message {
  std::string method;  // requests
  std::string target;  // requests: origin-form path and query
  int status = 0;      // responses
  int version_minor = 1;
  std::vector<Header> headers;
  std::string body;  // requests: whole body; responses: bytes since the caller last drained it
  bool keep_alive = true;
  bool chunked = false;
  std::optional<std::uint64_t> content_length;

  // First header with this (lower-case) name, or "" when absent.
  std::string_view header(std::string_view lower_name) const {
    for (const auto& h : headers)
      if (h.name == lower_name) return h.value;
    return {};
  }
  bool has_header(std::string_view lower_name) const {
    for (const auto& h : headers)
      if (h.name == lower_name) return true;
    return false;
  }
  std::string_view path() const {
    auto q = target.find('?');
    return std::string_view(target).substr(0, q);
  }
  // Ready for the next message. What this one grew past a small size is given back, so that an
  // idle keep-alive connection holds no body (DESIGN.md §4); small buffers are kept for reuse.
  void clear() {
    method.clear();
    release_or_clear(target, 1024);
    status = 0;
    version_minor = 1;
    if (headers.capacity() > 32) std::vector<Header>().swap(headers);
    else headers.clear();
    release_or_clear(body, 4096);
    keep_alive = true;
    chunked = false;
    content_length.reset();
  }

 private:
  static void release_or_clear(std::string& s, std::size_t keep) {
    if (s.capacity() > keep) std::string().swap(s);
    else s.clear();
  }
};

// ASCII case-insensitive comparison for header values such as "100-continue" or "chunked".
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace chatrelay::http1
