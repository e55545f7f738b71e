// Reading JSON: the one wrapper around simdjson (its DOM), so that no other file includes it.
// A Reader parses a text into a document it owns; Values are cheap views into that document and,
// like every string_view they hand out, stay valid until the Reader's next parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

namespace chatrelay::json {

enum class Type { null, boolean, integer, number, string, array, object };

class Value {
 public:
  Type type() const noexcept;
  bool is_null() const noexcept { return type() == Type::null; }
  // The value when it has that type, else nullopt. integer() also takes a double that is whole
  // and in range; number() takes any number.
  std::optional<std::string_view> string() const noexcept;
  std::optional<bool> boolean() const noexcept;
  std::optional<std::int64_t> integer() const noexcept;
  std::optional<double> number() const noexcept;
  // The elements of an array (nullopt when this is not one).
  std::optional<std::size_t> size() const noexcept;
  // The last member named `key` of an object (later duplicates win, as in Python's json);
  // nullopt when absent or when this is not an object.
  std::optional<Value> member(std::string_view key) const noexcept;

  // Calls fn(key, value) for each member of an object in document order, until fn returns false.
  // False when this is not an object or fn stopped.
  template <typename Fn>
  bool members(Fn&& fn) const {
    using F = std::remove_reference_t<Fn>;
    return each_member(&fn, [](void* f, std::string_view k, Value v) { return (*static_cast<F*>(f))(k, v); });
  }
  // Calls fn(value) for each element of an array, until fn returns false. False when this is not
  // an array or fn stopped.
  template <typename Fn>
  bool items(Fn&& fn) const {
    using F = std::remove_reference_t<Fn>;
    return each_item(&fn, [](void* f, Value v) { return (*static_cast<F*>(f))(v); });
  }

 private:
  friend class Reader;
  friend struct ValueAccess;
  Value() = default;
  bool each_member(void* fn, bool (*call)(void*, std::string_view, Value)) const;
  bool each_item(void* fn, bool (*call)(void*, Value)) const;

  // simdjson's element (a document pointer and a tape index), kept opaque here.
  alignas(std::max_align_t) unsigned char element_[16]{};
};

struct ParseError {
  enum class Kind { syntax, encoding, depth, other } kind = Kind::other;
  std::string_view message;  // the library's reason, for logs and error details
};

class Reader {
 public:
  Reader();
  ~Reader();
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;

  // Parses a whole JSON text (nothing may follow its value). nullopt on invalid JSON, with the
  // reason in `error` when given.
  std::optional<Value> parse(std::string_view text, ParseError* error = nullptr);
  // Frees what the parser keeps for documents larger than `bytes` (it grows to the largest one
  // seen, and a one-off huge document should not be held for the process's lifetime).
  void shrink_to(std::size_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether `text` is valid UTF-8.
bool valid_utf8(std::string_view text) noexcept;

}  // namespace chatrelay::json
