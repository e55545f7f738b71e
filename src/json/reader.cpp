// json::Reader and json::Value over simdjson's DOM: the only file that includes simdjson.
#include "chatrelay/json/reader.hpp"

#include <simdjson.h>

#include <cstring>

namespace chatrelay::json {
namespace dom = simdjson::dom;

struct ValueAccess {
  static_assert(sizeof(dom::element) <= sizeof(Value::element_) && std::is_trivially_copyable_v<dom::element>,
                "json::Value holds a simdjson::dom::element by value");
  static dom::element get(const Value& v) noexcept {
    dom::element e;
    std::memcpy(static_cast<void*>(&e), v.element_, sizeof e);
    return e;
  }
  static Value make(dom::element e) noexcept {
    Value v;
    std::memcpy(v.element_, static_cast<const void*>(&e), sizeof e);
    return v;
  }
};

namespace {
dom::element element(const Value& v) noexcept { return ValueAccess::get(v); }
}  // namespace

Type Value::type() const noexcept {
  switch (element(*this).type()) {
    case dom::element_type::ARRAY: return Type::array;
    case dom::element_type::OBJECT: return Type::object;
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return Type::integer;
    case dom::element_type::DOUBLE: return Type::number;
    case dom::element_type::STRING: return Type::string;
    case dom::element_type::BOOL: return Type::boolean;
    case dom::element_type::NULL_VALUE: return Type::null;
  }
  return Type::null;
}

std::optional<std::string_view> Value::string() const noexcept {
  std::string_view s;
  if (element(*this).get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

std::optional<bool> Value::boolean() const noexcept {
  bool b = false;
  if (element(*this).get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
  return b;
}

std::optional<std::int64_t> Value::integer() const noexcept {
  const dom::element e = element(*this);
  std::int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  double d = 0;
  // A whole double in range (checked before the conversion, which is undefined outside it).
  if (e.get_double().get(d) == simdjson::SUCCESS && d >= -9.2e18 && d <= 9.2e18 &&
      d == static_cast<double>(static_cast<std::int64_t>(d)))
    return static_cast<std::int64_t>(d);
  return std::nullopt;
}

std::optional<double> Value::number() const noexcept {
  double d = 0;
  if (element(*this).get_double().get(d) != simdjson::SUCCESS) return std::nullopt;
  return d;
}

std::optional<std::size_t> Value::size() const noexcept {
  dom::array a;
  if (element(*this).get_array().get(a) != simdjson::SUCCESS) return std::nullopt;
  return a.size();
}

std::optional<Value> Value::member(std::string_view key) const noexcept {
  dom::object o;
  if (element(*this).get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  std::optional<Value> found;
  for (dom::key_value_pair field : o) {
    if (field.key == key) found = ValueAccess::make(field.value);
  }
  return found;
}

bool Value::each_member(void* fn, bool (*call)(void*, std::string_view, Value)) const {
  dom::object o;
  if (element(*this).get_object().get(o) != simdjson::SUCCESS) return false;
  for (dom::key_value_pair field : o) {
    if (!call(fn, field.key, ValueAccess::make(field.value))) return false;
  }
  return true;
}

bool Value::each_item(void* fn, bool (*call)(void*, Value)) const {
  dom::array a;
  if (element(*this).get_array().get(a) != simdjson::SUCCESS) return false;
  for (dom::element item : a) {
    if (!call(fn, ValueAccess::make(item))) return false;
  }
  return true;
}

struct Reader::Impl {
  dom::parser parser;
};

Reader::Reader() : impl_(std::make_unique<Impl>()) {}
Reader::~Reader() = default;
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;

std::optional<Value> Reader::parse(std::string_view text, ParseError* error) {
  dom::element root;
  // realloc_if_needed: the text is copied into the parser's padded buffer when it needs to be.
  const auto code = impl_->parser.parse(text.data(), text.size(), true).get(root);
  if (code == simdjson::SUCCESS) return ValueAccess::make(root);
  if (error != nullptr) {
    error->message = simdjson::error_message(code);
    error->kind = code == simdjson::UTF8_ERROR    ? ParseError::Kind::encoding
                  : code == simdjson::DEPTH_ERROR ? ParseError::Kind::depth
                  : code == simdjson::CAPACITY || code == simdjson::MEMALLOC ? ParseError::Kind::other
                                                                             : ParseError::Kind::syntax;
  }
  return std::nullopt;
}

void Reader::shrink_to(std::size_t bytes) {
  if (impl_->parser.capacity() > bytes) impl_ = std::make_unique<Impl>();
}

bool valid_utf8(std::string_view text) noexcept { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace chatrelay::json
