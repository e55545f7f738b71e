// The /v1/chat/completions request: OpenAI's fields, checked in a fixed order (model, messages,
// sampling, streaming), the first problem answered in OpenAI's words.
#include "chatrelay/openai/request.hpp"

#include <algorithm>
#include <optional>

#include "chatrelay/json/reader.hpp"

namespace chatrelay::openai {
namespace {

// The top-level members read, each the last one of its name (as JSON.parse and Python keep it).
struct Fields {
  std::optional<json::Value> model, messages, temperature, top_p, max_tokens, max_completion_tokens,
      stop, stream, stream_options, n;

  void take(std::string_view key, json::Value value) {
    std::optional<json::Value>* slot = key == "model"                   ? &model
                                        : key == "messages"              ? &messages
                                        : key == "temperature"           ? &temperature
                                        : key == "top_p"                 ? &top_p
                                        : key == "max_tokens"            ? &max_tokens
                                        : key == "max_completion_tokens" ? &max_completion_tokens
                                        : key == "stop"                  ? &stop
                                        : key == "stream"                ? &stream
                                        : key == "stream_options"        ? &stream_options
                                        : key == "n"                     ? &n
                                                                         : nullptr;
    if (slot) *slot = value;
  }
};

// A field that is there and not null.
bool present(const std::optional<json::Value>& e) { return e && !e->is_null(); }

std::string_view type_name(const json::Value& e) {
  switch (e.type()) {
    case json::Type::array: return "an array";
    case json::Type::object: return "an object";
    case json::Type::integer: return "an integer";
    case json::Type::number: return "a decimal";
    case json::Type::string: return "a string";
    case json::Type::boolean: return "a boolean";
    case json::Type::null: return "null";
  }
  return "a value";
}

ApiError wrong_type(std::string_view param, std::string_view expected, const json::Value& got) {
  return invalid_request("Invalid type for '" + std::string(param) + "': expected " + std::string(expected) +
                             ", but got " + std::string(type_name(got)) + " instead.",
                         std::string(param), "invalid_type");
}

ApiError missing(std::string_view param) {
  return invalid_request("Missing required parameter: '" + std::string(param) + "'.", std::string(param),
                         "missing_required_parameter");
}

ApiError invalid_value(std::string_view param, std::string message) {
  return invalid_request("Invalid '" + std::string(param) + "': " + message, std::string(param), "invalid_value");
}

std::string number_text(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.ends_with('.')) s.pop_back();
  return s;
}

// A number in [lo, hi] into `out`, or the refusal.
std::optional<ApiError> read_number(const std::optional<json::Value>& e, std::string_view param, double lo,
                                    double hi, std::optional<double>& out) {
  if (!present(e)) return std::nullopt;
  const auto number = e->number();
  if (!number) return wrong_type(param, "a number", *e);
  const double v = *number;
  if (!(v >= lo && v <= hi))
    return invalid_value(param, "expected a number from " + number_text(lo) + " to " + number_text(hi) + ", but got " +
                                    number_text(v) + " instead.");
  out = v;
  return std::nullopt;
}

// A whole number of at least 1 into `out`, or the refusal.
std::optional<ApiError> read_count(const std::optional<json::Value>& e, std::string_view param,
                                   std::optional<std::int64_t>& out) {
  if (!present(e)) return std::nullopt;
  const auto count = e->type() == json::Type::integer ? e->integer() : std::nullopt;
  if (!count) {
    if (e->type() == json::Type::integer) return invalid_value(param, "the number is too large.");
    return wrong_type(param, "an integer", *e);
  }
  const std::int64_t v = *count;
  if (v < 1) return invalid_value(param, "expected a value of at least 1, but got " + std::to_string(v) + " instead.");
  out = v;
  return std::nullopt;
}

std::optional<ApiError> read_flag(const std::optional<json::Value>& e, std::string_view param, bool& out) {
  if (!present(e)) return std::nullopt;
  const auto flag = e->boolean();
  if (!flag) return wrong_type(param, "a boolean", *e);
  out = *flag;
  return std::nullopt;
}

std::optional<ApiError> read_model(const std::optional<json::Value>& e, std::span<const std::string> models,
                                   std::string& out) {
  if (!present(e)) return missing("model");
  const auto model = e->string();
  if (!model) return wrong_type("model", "a string", *e);
  std::string_view name = *model;
  if (name.starts_with("models/")) name.remove_prefix(7);  // Google's own spelling of a model
  if (std::find(models.begin(), models.end(), name) == models.end()) {
    return model_not_found(name);
  }
  out = std::string(name);
  return std::nullopt;
}

// One message's content: a string, or text parts (each one turn; the builder joins a role's
// consecutive texts). `null` is allowed for an assistant (a message that only called tools).
std::optional<ApiError> read_content(const json::Value& message, const std::string& at, bool assistant,
                                     std::vector<std::string>& texts) {
  const auto content = message.member("content");
  if (!content || (content->is_null() && !assistant)) return missing(at + ".content");
  if (content->is_null()) return std::nullopt;
  if (const auto text = content->string()) {
    texts.emplace_back(*text);
    return std::nullopt;
  }
  if (content->type() != json::Type::array) return wrong_type(at + ".content", "a string or an array", *content);
  std::size_t index = 0;
  std::optional<ApiError> error;
  content->items([&](json::Value part) {
    const std::string part_at = at + ".content[" + std::to_string(index++) + "]";
    if (part.type() != json::Type::object) {
      error = wrong_type(part_at, "an object", part);
      return false;
    }
    const auto type = part.member("type");
    const auto part_text = part.member("text");
    const auto type_text = type ? type->string() : std::nullopt;
    if (!type) error = missing(part_at + ".type");
    else if (!type_text) error = wrong_type(part_at + ".type", "a string", *type);
    else if (*type_text != "text")
      error = invalid_request("This server's OpenAI-compatible API takes text only: " + part_at + " is of type '" +
                                  std::string(*type_text) + "'. Send the content as a string or as text parts.",
                              part_at + ".type", "unsupported_content_type");
    else if (!part_text) error = missing(part_at + ".text");
    else if (const auto text = part_text->string()) texts.emplace_back(*text);
    else error = wrong_type(part_at + ".text", "a string", *part_text);
    return !error;
  });
  return error;
}

// One message: its role, then its content as texts of that role.
std::optional<ApiError> read_message(const json::Value& message, const std::string& at, std::vector<std::string>& texts,
                                   bool& any_text, CompletionRequest& out) {
  if (message.type() != json::Type::object) return wrong_type(at, "an object", message);
  const auto role_element = message.member("role");
  if (!role_element) return missing(at + ".role");
  const auto role_text = role_element->string();
  if (!role_text) return wrong_type(at + ".role", "a string", *role_element);
  const std::string_view role = *role_text;
  const bool system = role == "system" || role == "developer";
  if (!system && role != "user" && role != "assistant")
    return invalid_request("Invalid value for '" + at + ".role': '" + std::string(role) +
                               "'. This server takes the roles 'system', 'developer', 'user' and 'assistant' "
                               "(no tool calls).",
                           at + ".role", "invalid_value");
  texts.clear();
  if (auto error = read_content(message, at, role == "assistant", texts)) return error;
  for (auto& text : texts) {
    if (system) {
      if (!text.empty()) out.system.push_back(std::move(text));
      continue;
    }
    any_text = any_text || !text.empty();
    out.turns.push_back({role == "user" ? memory::Role::user : memory::Role::model, std::move(text)});
  }
  return std::nullopt;
}

std::optional<ApiError> read_messages(const std::optional<json::Value>& e, CompletionRequest& out) {
  if (!present(e)) return missing("messages");
  if (e->type() != json::Type::array) return wrong_type("messages", "an array", *e);
  if (e->size() == 0)
    return invalid_request("Invalid 'messages': empty array. Expected an array with at least one message.", "messages",
                           "empty_array");
  std::size_t index = 0;
  bool any_text = false;
  std::vector<std::string> texts;
  std::optional<ApiError> error;
  e->items([&](json::Value message) {
    error = read_message(message, "messages[" + std::to_string(index++) + "]", texts, any_text, out);
    return !error;
  });
  if (error) return error;
  if (!any_text)
    return invalid_request("Invalid 'messages': no user or assistant message has any text; Gemini needs at least one.",
                           "messages", "invalid_value");
  return std::nullopt;
}

std::optional<ApiError> read_stop(const std::optional<json::Value>& e, std::vector<std::string>& out) {
  if (!present(e)) return std::nullopt;
  if (const auto text = e->string()) {
    if (!text->empty()) out.emplace_back(*text);
    return std::nullopt;
  }
  const auto count = e->size();
  if (!count) return wrong_type("stop", "a string or an array of strings", *e);
  if (*count > max_stop_sequences)
    return invalid_value("stop", "at most " + std::to_string(max_stop_sequences) + " stop sequences, got " +
                                     std::to_string(*count) + ".");
  std::size_t index = 0;
  std::optional<ApiError> error;
  e->items([&](json::Value item) {
    const auto text = item.string();
    if (!text) error = wrong_type("stop[" + std::to_string(index) + "]", "a string", item);
    else if (!text->empty()) out.emplace_back(*text);  // Gemini refuses an empty stop sequence
    ++index;
    return !error;
  });
  return error;
}

std::optional<ApiError> read_stream_options(const Fields& f, CompletionRequest& out) {
  if (auto error = read_flag(f.stream, "stream", out.stream)) return error;
  if (!present(f.stream_options)) return std::nullopt;
  if (f.stream_options->type() != json::Type::object)
    return wrong_type("stream_options", "an object", *f.stream_options);
  return read_flag(f.stream_options->member("include_usage"), "stream_options.include_usage", out.include_usage);
}

std::optional<ApiError> read_n(const std::optional<json::Value>& e) {
  std::optional<std::int64_t> n;
  if (auto error = read_count(e, "n", n)) return error;
  if (n && *n != 1)
    return invalid_value("n", "this server returns one choice per request; 'n' must be 1, got " + std::to_string(*n) + ".");
  return std::nullopt;
}

}  // namespace

std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                   std::span<const std::string> models) {
  thread_local json::Reader reader;
  const auto root = reader.parse(body);
  if (!root)
    return invalid_request("We could not parse the JSON body of your request: it is not valid JSON (UTF-8). "
                           "Send a JSON object with 'model' and 'messages'.");
  if (root->type() != json::Type::object) return wrong_type("body", "a JSON object", *root);
  Fields f;
  root->members([&f](std::string_view key, json::Value value) {
    f.take(key, value);
    return true;
  });

  CompletionRequest out;
  auto& o = out.options;
  std::optional<std::int64_t> max_tokens;
  std::optional<ApiError> error;
  if (!error) error = read_model(f.model, models, out.model);
  if (!error) error = read_messages(f.messages, out);
  if (!error) error = read_number(f.temperature, "temperature", 0, 2, o.temperature);
  if (!error) error = read_number(f.top_p, "top_p", 0, 1, o.top_p);
  if (!error) error = read_count(f.max_tokens, "max_tokens", max_tokens);
  if (!error) error = read_count(f.max_completion_tokens, "max_completion_tokens", o.max_output_tokens);
  if (!error) error = read_stop(f.stop, o.stop_sequences);
  if (!error) error = read_n(f.n);
  if (!error) error = read_stream_options(f, out);
  if (error) return std::move(*error);
  if (!o.max_output_tokens) o.max_output_tokens = max_tokens;
  return out;
}

}  // namespace chatrelay::openai
