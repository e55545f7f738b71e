// Validation of the POST /api/chat/stream body: simdjson DOM in, a ChatRequest or the refusal
// FastAPI (pydantic v2) would have sent out. Error `type`, `msg` and `ctx` follow pydantic's
// wording so existing frontends and their tests read them unchanged; `input` is left out (it
// would echo the client's own, possibly large, text back).
#include "chatrelay/chat/validation.hpp"

#include <cstdint>

#include <simdjson.h>

#include "chatrelay/json/writer.hpp"

namespace chatrelay::chat {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view session_id_pattern = "^[A-Za-z0-9._:-]+$";
constexpr std::string_view roles_expected = "'user', 'assistant' or 'model'";

// A pydantic `loc` path such as ["body","messages",0,"role"], kept as JSON text.
class Loc {
 public:
  Loc key(std::string_view k) const {
    Loc next = *this;
    next.json_.push_back(',');
    json::append_string(next.json_, k);
    return next;
  }
  Loc index(std::size_t i) const {
    Loc next = *this;
    next.json_.push_back(',');
    next.json_.append(std::to_string(i));
    return next;
  }
  std::string json() const { return json_ + ']'; }

 private:
  std::string json_ = "[\"body\"";
};

// The collected errors of one request, rendered as FastAPI's {"detail":[…]}.
class Errors {
 public:
  void add(const Loc& loc, std::string_view type, std::string_view msg,
           std::string_view ctx = {}) {
    items_.push_back(items_.empty() ? '[' : ',');
    json::ObjectWriter item(items_);
    item.string("type", type).raw("loc", loc.json()).string("msg", msg);
    if (!ctx.empty()) item.raw("ctx", ctx);
    item.close();
  }
  bool empty() const { return items_.empty(); }
  Rejection rejection() const {
    Rejection r{422, {}};
    json::ObjectWriter(r.body).raw("detail", items_ + ']').close();
    return r;
  }

 private:
  std::string items_;
};

void add_missing(Errors& errors, const Loc& loc) {
  errors.add(loc, "missing", "Field required");
}

void add_not_an_object(Errors& errors, const Loc& loc) {
  // What FastAPI reports for a model given anything but an object (it validates from attributes).
  errors.add(loc, "model_attributes_type",
             "Input should be a valid dictionary or object to extract fields from");
}

// The value of the last member named `key` (Python's json keeps the last duplicate).
std::optional<dom::element> member(dom::object object, std::string_view key) {
  std::optional<dom::element> found;
  for (dom::key_value_pair field : object) {
    if (field.key == key) found = field.value;
  }
  return found;
}

// Length in characters, as pydantic counts it; simdjson has already validated the UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void check_session_id(std::optional<dom::element> value, Errors& errors, ChatRequest& request) {
  if (!value || value->is_null()) return;
  Loc loc = Loc{}.key("session_id");
  std::string_view id;
  if (value->get_string().get(id) != simdjson::SUCCESS) {
    errors.add(loc, "string_type", "Input should be a valid string");
    return;
  }
  std::size_t length = utf8_length(id);
  if (length < 1) {
    errors.add(loc, "string_too_short", "String should have at least 1 character",
               R"({"min_length":1})");
  } else if (length > max_session_id_length) {
    errors.add(loc, "string_too_long",
               "String should have at most " + std::to_string(max_session_id_length) +
                   " characters",
               R"({"max_length":)" + std::to_string(max_session_id_length) + "}");
  } else if (!valid_session_id(id)) {
    std::string ctx;
    json::ObjectWriter(ctx).string("pattern", session_id_pattern).close();
    errors.add(loc, "string_pattern_mismatch",
               "String should match pattern '" + std::string(session_id_pattern) + "'", ctx);
  } else {
    request.session_id.emplace(id);
  }
}

// One message; nullopt (with errors added) when it is invalid. `role` receives its role whenever
// that, at least, was valid.
std::optional<memory::Turn> check_message(dom::element value, const Loc& loc, Errors& errors,
                                          std::optional<memory::Role>& role) {
  role.reset();
  dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    add_not_an_object(errors, loc);
    return std::nullopt;
  }
  auto role_value = member(object, "role");
  std::string_view role_text;
  if (!role_value) {
    add_missing(errors, loc.key("role"));
  } else if (role_value->get_string().get(role_text) == simdjson::SUCCESS &&
             (role_text == "user" || role_text == "assistant" || role_text == "model")) {
    role = role_text == "user" ? memory::Role::user : memory::Role::model;
  } else {
    std::string ctx;
    json::ObjectWriter(ctx).string("expected", roles_expected).close();
    errors.add(loc.key("role"), "literal_error",
               "Input should be " + std::string(roles_expected), ctx);
  }
  auto content = member(object, "content");
  std::string_view content_text;
  bool content_ok = false;
  if (!content) {
    add_missing(errors, loc.key("content"));
  } else if (content->get_string().get(content_text) != simdjson::SUCCESS) {
    errors.add(loc.key("content"), "string_type", "Input should be a valid string");
  } else if (content_text.empty()) {
    errors.add(loc.key("content"), "string_too_short", "String should have at least 1 character",
               R"({"min_length":1})");
  } else {
    content_ok = true;
  }
  if (!role || !content_ok) return std::nullopt;
  return memory::Turn{*role, std::string(content_text)};
}

void check_messages(std::optional<dom::element> value, Errors& errors, ChatRequest& request) {
  Loc loc = Loc{}.key("messages");
  if (!value) {
    add_missing(errors, loc);
    return;
  }
  dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) {
    errors.add(loc, "list_type", "Input should be a valid list");
    return;
  }
  std::size_t count = array.size();
  auto length_ctx = [&](std::string_view bound_name, std::size_t bound) {
    std::string ctx;
    json::ObjectWriter(ctx)
        .string("field_type", "List")
        .number(bound_name, static_cast<std::int64_t>(bound))
        .number("actual_length", static_cast<std::int64_t>(count))
        .close();
    return ctx;
  };
  if (count < 1) {
    errors.add(loc, "too_short", "List should have at least 1 item after validation, not 0",
               length_ctx("min_length", 1));
    return;
  }
  if (count > max_messages) {
    errors.add(loc, "too_long",
               "List should have at most " + std::to_string(max_messages) +
                   " items after validation, not " + std::to_string(count),
               length_ctx("max_length", max_messages));
    return;
  }
  std::size_t i = 0;
  std::optional<memory::Role> last_role;
  for (dom::element item : array) {
    if (auto turn = check_message(item, loc.index(i), errors, last_role)) {
      request.messages.push_back(std::move(*turn));
    }
    ++i;
  }
  // Checked whenever the last role itself is valid, so one answer names every problem.
  if (last_role == memory::Role::model) {
    errors.add(loc.index(count - 1).key("role"), "value_error",
               "Value error, the last message must be a user turn (role 'user')",
               R"({"error":{}})");
  }
}

}  // namespace

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > max_session_id_length) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::variant<ChatRequest, Rejection> parse_chat_request(std::string_view body) {
  Errors errors;
  // FastAPI treats an empty body as an absent one.
  if (body.empty()) {
    add_missing(errors, Loc{});
    return errors.rejection();
  }
  // Reused per thread: it keeps its padded copy of the input and its tape between requests.
  thread_local dom::parser parser;
  dom::element root;
  if (auto error = parser.parse(body.data(), body.size(), true).get(root)) {
    Rejection r{400, {}};
    json::ObjectWriter(r.body)
        .string("detail", std::string("Malformed JSON body: ") + simdjson::error_message(error))
        .close();
    return r;
  }
  if (root.is_null()) {
    add_missing(errors, Loc{});
    return errors.rejection();
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    add_not_an_object(errors, Loc{});
    return errors.rejection();
  }
  ChatRequest request;
  check_session_id(member(object, "session_id"), errors, request);
  check_messages(member(object, "messages"), errors, request);
  if (!errors.empty()) return errors.rejection();
  return request;
}

}  // namespace chatrelay::chat
