// The /v1/chat/completions request: OpenAI's fields, checked in a fixed order (model, messages,
// sampling, streaming), the first problem answered in OpenAI's words.
#include "chatrelay/openai/request.hpp"

#include <simdjson.h>

#include <algorithm>
#include <optional>

namespace chatrelay::openai {
namespace {

namespace dom = simdjson::dom;
using simdjson::SUCCESS;

// The top-level members read, each the last one of its name (as JSON.parse and Python keep it).
struct Fields {
  std::optional<dom::element> model, messages, temperature, top_p, max_tokens, max_completion_tokens,
      stop, stream, stream_options, n;

  void take(std::string_view key, dom::element value) {
    std::optional<dom::element>* slot = key == "model"                   ? &model
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
bool present(const std::optional<dom::element>& e) { return e && !e->is_null(); }

std::string_view type_name(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64: return "an integer";
    case dom::element_type::DOUBLE: return "a decimal";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

ApiError wrong_type(std::string_view param, std::string_view expected, dom::element got) {
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
std::optional<ApiError> read_number(const std::optional<dom::element>& e, std::string_view param, double lo,
                                    double hi, std::optional<double>& out) {
  if (!present(e)) return std::nullopt;
  double v = 0;
  if (e->get_double().get(v) != SUCCESS) return wrong_type(param, "a number", *e);
  if (!(v >= lo && v <= hi))
    return invalid_value(param, "expected a number from " + number_text(lo) + " to " + number_text(hi) + ", but got " +
                                    number_text(v) + " instead.");
  out = v;
  return std::nullopt;
}

// A whole number of at least 1 into `out`, or the refusal.
std::optional<ApiError> read_count(const std::optional<dom::element>& e, std::string_view param,
                                   std::optional<std::int64_t>& out) {
  if (!present(e)) return std::nullopt;
  std::int64_t v = 0;
  if (e->get_int64().get(v) != SUCCESS) {
    std::uint64_t huge = 0;
    if (e->get_uint64().get(huge) == SUCCESS) return invalid_value(param, "the number is too large.");
    return wrong_type(param, "an integer", *e);
  }
  if (v < 1) return invalid_value(param, "expected a value of at least 1, but got " + std::to_string(v) + " instead.");
  out = v;
  return std::nullopt;
}

std::optional<ApiError> read_flag(const std::optional<dom::element>& e, std::string_view param, bool& out) {
  if (!present(e)) return std::nullopt;
  if (e->get_bool().get(out) != SUCCESS) return wrong_type(param, "a boolean", *e);
  return std::nullopt;
}

std::optional<ApiError> read_model(const std::optional<dom::element>& e, std::span<const std::string> models,
                                   std::string& out) {
  if (!present(e)) return missing("model");
  std::string_view name;
  if (e->get_string().get(name) != SUCCESS) return wrong_type("model", "a string", *e);
  if (name.starts_with("models/")) name.remove_prefix(7);  // Google's own spelling of a model
  if (std::find(models.begin(), models.end(), name) == models.end()) {
    return model_not_found(name);
  }
  out = std::string(name);
  return std::nullopt;
}

// One message's content: a string, or text parts (each one turn; the builder joins a role's
// consecutive texts). `null` is allowed for an assistant (a message that only called tools).
std::optional<ApiError> read_content(dom::object message, const std::string& at, bool assistant,
                                     std::vector<std::string>& texts) {
  std::optional<dom::element> content;
  for (dom::key_value_pair field : message)
    if (field.key == "content") content = field.value;
  if (!content || (content->is_null() && !assistant)) return missing(at + ".content");
  if (content->is_null()) return std::nullopt;
  std::string_view text;
  if (content->get_string().get(text) == SUCCESS) {
    texts.emplace_back(text);
    return std::nullopt;
  }
  dom::array parts;
  if (content->get_array().get(parts) != SUCCESS) return wrong_type(at + ".content", "a string or an array", *content);
  std::size_t index = 0;
  for (dom::element part : parts) {
    const std::string part_at = at + ".content[" + std::to_string(index++) + "]";
    dom::object object;
    if (part.get_object().get(object) != SUCCESS) return wrong_type(part_at, "an object", part);
    std::optional<dom::element> type, part_text;
    for (dom::key_value_pair field : object) {
      if (field.key == "type") type = field.value;
      if (field.key == "text") part_text = field.value;
    }
    std::string_view type_text;
    if (!type) return missing(part_at + ".type");
    if (type->get_string().get(type_text) != SUCCESS) return wrong_type(part_at + ".type", "a string", *type);
    if (type_text != "text")
      return invalid_request("This server's OpenAI-compatible API takes text only: " + part_at + " is of type '" +
                                 std::string(type_text) + "'. Send the content as a string or as text parts.",
                             part_at + ".type", "unsupported_content_type");
    if (!part_text) return missing(part_at + ".text");
    if (part_text->get_string().get(text) != SUCCESS) return wrong_type(part_at + ".text", "a string", *part_text);
    texts.emplace_back(text);
  }
  return std::nullopt;
}

std::optional<ApiError> read_messages(const std::optional<dom::element>& e, CompletionRequest& out) {
  if (!present(e)) return missing("messages");
  dom::array messages;
  if (e->get_array().get(messages) != SUCCESS) return wrong_type("messages", "an array", *e);
  if (messages.size() == 0)
    return invalid_request("Invalid 'messages': empty array. Expected an array with at least one message.", "messages",
                           "empty_array");
  std::size_t index = 0;
  bool any_text = false;
  std::vector<std::string> texts;
  for (dom::element element : messages) {
    const std::string at = "messages[" + std::to_string(index++) + "]";
    dom::object message;
    if (element.get_object().get(message) != SUCCESS) return wrong_type(at, "an object", element);
    std::optional<dom::element> role_element;
    for (dom::key_value_pair field : message)
      if (field.key == "role") role_element = field.value;
    std::string_view role;
    if (!role_element) return missing(at + ".role");
    if (role_element->get_string().get(role) != SUCCESS) return wrong_type(at + ".role", "a string", *role_element);
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
  }
  if (!any_text)
    return invalid_request("Invalid 'messages': no user or assistant message has any text; Gemini needs at least one.",
                           "messages", "invalid_value");
  return std::nullopt;
}

std::optional<ApiError> read_stop(const std::optional<dom::element>& e, std::vector<std::string>& out) {
  if (!present(e)) return std::nullopt;
  std::string_view text;
  if (e->get_string().get(text) == SUCCESS) {
    if (!text.empty()) out.emplace_back(text);
    return std::nullopt;
  }
  dom::array list;
  if (e->get_array().get(list) != SUCCESS) return wrong_type("stop", "a string or an array of strings", *e);
  if (list.size() > max_stop_sequences)
    return invalid_value("stop", "at most " + std::to_string(max_stop_sequences) + " stop sequences, got " +
                                     std::to_string(list.size()) + ".");
  std::size_t index = 0;
  for (dom::element item : list) {
    if (item.get_string().get(text) != SUCCESS) return wrong_type("stop[" + std::to_string(index) + "]", "a string", item);
    ++index;
    if (!text.empty()) out.emplace_back(text);  // Gemini refuses an empty stop sequence
  }
  return std::nullopt;
}

std::optional<ApiError> read_stream_options(const Fields& f, CompletionRequest& out) {
  if (auto error = read_flag(f.stream, "stream", out.stream)) return error;
  if (!present(f.stream_options)) return std::nullopt;
  dom::object options;
  if (f.stream_options->get_object().get(options) != SUCCESS)
    return wrong_type("stream_options", "an object", *f.stream_options);
  std::optional<dom::element> include_usage;
  for (dom::key_value_pair field : options)
    if (field.key == "include_usage") include_usage = field.value;
  return read_flag(include_usage, "stream_options.include_usage", out.include_usage);
}

std::optional<ApiError> read_n(const std::optional<dom::element>& e) {
  std::optional<std::int64_t> n;
  if (auto error = read_count(e, "n", n)) return error;
  if (n && *n != 1)
    return invalid_value("n", "this server returns one choice per request; 'n' must be 1, got " + std::to_string(*n) + ".");
  return std::nullopt;
}

}  // namespace

std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                   std::span<const std::string> models) {
  thread_local dom::parser parser;
  dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != SUCCESS)
    return invalid_request("We could not parse the JSON body of your request: it is not valid JSON (UTF-8). "
                           "Send a JSON object with 'model' and 'messages'.");
  dom::object object;
  if (root.get_object().get(object) != SUCCESS) return wrong_type("body", "a JSON object", root);
  Fields f;
  for (dom::key_value_pair field : object) f.take(field.key, field.value);

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
