// Validation of the POST /api/chat/stream body: bytes and Content-Type in, a ChatRequest or the
// refusal FastAPI (pydantic v2) would have sent out. Error `type`, `msg` and `ctx` follow pydantic's
// wording so existing frontends and their tests read them unchanged; `input` is left out (it
// would echo the client's own, possibly large, text back).
#include "chatrelay/chat/validation.hpp"

#include <cstdint>


#include "chatrelay/chat/json_error.hpp"
#include "chatrelay/http1/message.hpp"
#include "chatrelay/json/reader.hpp"
#include "chatrelay/json/writer.hpp"

namespace chatrelay::chat {
namespace {


constexpr std::string_view session_id_pattern = "^[A-Za-z0-9._:-]+$";
constexpr std::string_view roles_expected = "'user', 'assistant', 'model' or 'system'";
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// A pydantic `loc` path such as ["body","messages",0,"role"], kept as JSON text.
class Loc {
 public:
  explicit Loc(std::string_view root = "body") { json::append_string(json_, root); }
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
  std::string json_ = "[";
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
  // An item whose JSON is already built.
  void add_raw(std::string_view item) {
    items_.push_back(items_.empty() ? '[' : ',');
    items_.append(item);
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

// Length in characters, as pydantic counts it; the JSON reader has already validated the UTF-8.
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The rules of a session id (string already), FastAPI's errors added at `loc`.
bool check_id(std::string_view id, const Loc& loc, Errors& errors) {
  std::size_t length = utf8_length(id);
  if (length < 1) {
    errors.add(loc, "string_too_short", "String should have at least 1 character", R"({"min_length":1})");
  } else if (length > max_session_id_length) {
    errors.add(loc, "string_too_long",
               "String should have at most " + std::to_string(max_session_id_length) + " characters",
               R"({"max_length":)" + std::to_string(max_session_id_length) + "}");
  } else if (!valid_session_id(id)) {
    std::string ctx;
    json::ObjectWriter(ctx).string("pattern", session_id_pattern).close();
    errors.add(loc, "string_pattern_mismatch",
               "String should match pattern '" + std::string(session_id_pattern) + "'", ctx);
  } else {
    return true;
  }
  return false;
}

void check_session_id(std::optional<json::Value> value, Errors& errors, ChatRequest& request) {
  if (!value || value->is_null()) return;
  Loc loc = Loc{}.key("session_id");
  const auto id = value->string();
  if (!id) {
    errors.add(loc, "string_type", "Input should be a valid string");
    return;
  }
  if (check_id(*id, loc, errors)) request.session_id.emplace(*id);
}

enum class MessageRole { user, model, system };

// One message, its errors added. `role` receives its role whenever that, at least, was valid;
// the text is returned when the whole message is valid.
std::optional<std::string_view> check_message(const json::Value& value, const Loc& loc, Errors& errors,
                                              std::optional<MessageRole>& role) {
  role.reset();
  if (value.type() != json::Type::object) {
    add_not_an_object(errors, loc);
    return std::nullopt;
  }
  auto role_value = value.member("role");
  const std::string_view role_text = role_value ? role_value->string().value_or("") : "";
  if (!role_value) {
    add_missing(errors, loc.key("role"));
  } else if ((role_text == "user" || role_text == "assistant" || role_text == "model" || role_text == "system")) {
    role = role_text == "user"     ? MessageRole::user
           : role_text == "system" ? MessageRole::system
                                   : MessageRole::model;
  } else {
    std::string ctx;
    json::ObjectWriter(ctx).string("expected", roles_expected).close();
    errors.add(loc.key("role"), "literal_error", "Input should be " + std::string(roles_expected), ctx);
  }
  auto content = value.member("content");
  std::string_view content_text;
  bool content_ok = false;
  if (!content) {
    add_missing(errors, loc.key("content"));
  } else if (auto text = content->string(); !text) {
    errors.add(loc.key("content"), "string_type", "Input should be a valid string");
  } else if ((content_text = *text).empty()) {
    errors.add(loc.key("content"), "string_too_short", "String should have at least 1 character",
               R"({"min_length":1})");
  } else {
    content_ok = true;
  }
  if (!role || !content_ok) return std::nullopt;
  return content_text;
}

// FastAPI's too_short / too_long for the messages list: false when its length is out of bounds.
bool check_length(const Loc& loc, std::size_t count, Errors& errors) {
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
    return false;
  }
  if (count > max_messages) {
    errors.add(loc, "too_long",
               "List should have at most " + std::to_string(max_messages) +
                   " items after validation, not " + std::to_string(count),
               length_ctx("max_length", max_messages));
    return false;
  }
  return true;
}

void check_messages(std::optional<json::Value> value, Errors& errors, ChatRequest& request) {
  Loc loc = Loc{}.key("messages");
  if (!value) {
    add_missing(errors, loc);
    return;
  }
  const auto size = value->size();
  if (!size) {
    errors.add(loc, "list_type", "Input should be a valid list");
    return;
  }
  if (!check_length(loc, *size, errors)) return;
  std::size_t i = 0;
  std::optional<MessageRole> role;
  // The last user or model message, as far as it is known: an invalid role after it could be either.
  std::optional<std::size_t> last_turn;
  bool last_turn_is_user = false;
  bool last_unknown = false;
  value->items([&](json::Value item) {
    auto text = check_message(item, loc.index(i), errors, role);
    if (!role) {
      last_turn.reset();
      last_unknown = true;
    } else if (*role == MessageRole::system) {
      if (text) request.system.emplace_back(*text);
    } else {
      last_turn = i;
      last_turn_is_user = *role == MessageRole::user;
      last_unknown = false;
      if (text) request.messages.push_back({last_turn_is_user ? memory::Role::user : memory::Role::model, std::string(*text)});
    }
    ++i;
    return true;
  });
  // Checked whenever the last turn's role is known, so one answer names every problem.
  if (last_turn && !last_turn_is_user) {
    errors.add(loc.index(*last_turn).key("role"), "value_error",
               "Value error, the last message that is not a system message must be a user turn (role 'user')",
               R"({"error":{}})");
  } else if (!last_turn && !last_unknown) {
    errors.add(loc, "value_error", "Value error, the messages must include a user turn (role 'user')",
               R"({"error":{}})");
  }
}

// FastAPI's answer to a body that is not valid JSON: where Python's json module gave up.
Rejection invalid_json(std::string_view body, const json::ParseError& error) {
  // Python decodes the bytes before parsing; undecodable bytes, or nesting past its recursion
  // limit, are not JSON errors to FastAPI but a 400.
  if (error.kind == json::ParseError::Kind::encoding || error.kind == json::ParseError::Kind::depth ||
      !json::valid_utf8(body)) {
    Rejection r{400, {}};
    json::ObjectWriter(r.body).string("detail", "There was an error parsing the body").close();
    return r;
  }
  auto found = find_json_error(body);
  // A text Python accepts but the JSON reader does not (NaN, huge numbers, lone surrogates):
  // refused at its start with the reader's reason.
  const std::size_t position = found ? found->position : 0;
  const std::string_view reason = found ? found->message : error.message;
  std::string ctx;
  json::ObjectWriter(ctx).string("error", reason).close();
  std::string item;
  json::ObjectWriter(item)
      .string("type", "json_invalid")
      .raw("loc", "[\"body\"," + std::to_string(position) + "]")
      .string("msg", "JSON decode error")
      .raw("input", "{}")
      .raw("ctx", ctx)
      .close();
  Errors errors;
  errors.add_raw(item);
  return errors.rejection();
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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

bool is_json_media_type(std::string_view content_type) {
  // email.message's reading, as FastAPI uses it: the part before ';', stripped and lower-cased,
  // must be one "main/sub" (else it counts as text/plain).
  if (content_type.empty()) return true;  // no type at all
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  const auto slash = media.find('/');
  if (slash == std::string_view::npos || media.find('/', slash + 1) != std::string_view::npos) return false;
  const std::string_view sub = media.substr(slash + 1);
  return http1::iequals(media.substr(0, slash), "application") &&
         (http1::iequals(sub, "json") || (sub.size() >= 5 && http1::iequals(sub.substr(sub.size() - 5), "+json")));
}

std::variant<ChatRequest, Rejection> parse_chat_request(std::string_view body, std::string_view content_type) {
  Errors errors;
  // FastAPI treats an empty body as an absent one, whatever its type.
  if (body.empty()) {
    add_missing(errors, Loc{});
    return errors.rejection();
  }
  // Another type is not parsed: the model is then validated against the raw bytes.
  if (!is_json_media_type(content_type)) {
    add_not_an_object(errors, Loc{});
    return errors.rejection();
  }
  // Python decodes bytes that start with a BOM as utf-8-sig.
  if (body.starts_with(utf8_bom)) body.remove_prefix(utf8_bom.size());
  // Reused per thread: it keeps its buffers between requests (the request copies what it keeps).
  thread_local json::Reader reader;
  json::ParseError error;
  const auto root = reader.parse(body, &error);
  if (!root) return invalid_json(body, error);
  if (root->is_null()) {
    add_missing(errors, Loc{});
    return errors.rejection();
  }
  if (root->type() != json::Type::object) {
    add_not_an_object(errors, Loc{});
    return errors.rejection();
  }
  ChatRequest request;
  check_session_id(root->member("session_id"), errors, request);
  check_messages(root->member("messages"), errors, request);
  if (!errors.empty()) return errors.rejection();
  return request;
}

std::optional<std::string> decode_path_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    int hi = 0, lo = 0;
    if (segment[i] == '%' && i + 2 < segment.size() &&
        (hi = hex_digit(segment[i + 1])) >= 0 && (lo = hex_digit(segment[i + 2])) >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(segment[i]);
    }
  }
  if (out.empty() || out.find('/') != std::string::npos) return std::nullopt;
  return out;
}

std::optional<Rejection> check_session_id_param(std::string_view id) {
  Errors errors;
  if (check_id(id, Loc("path").key("session_id"), errors)) return std::nullopt;
  return errors.rejection();
}

}  // namespace chatrelay::chat
