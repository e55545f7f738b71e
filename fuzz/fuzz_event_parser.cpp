// libFuzzer target: gemini::EventParser (simdjson On-Demand) and the error mapping of errors.hpp.
// The input after the first byte is one event's data. Whenever simdjson's DOM parser accepts it,
// an independent DOM reading of the documented rules must give the same result; a reused parser
// must give the same result as the first pass, whatever the previous event left behind. The same
// bytes are also an error body for error_from_response, with an HTTP status taken from the first
// byte, and go through error_from_event and classify; every UpstreamError must be well formed.
#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chatrelay/gemini/errors.hpp"
#include "chatrelay/gemini/event_parser.hpp"
#include "fuzz_check.hpp"

using namespace chatrelay::gemini;
namespace dom = simdjson::dom;

namespace {

// The result EventParser documents, read with the DOM API. nullopt: a member has the wrong type.
struct Expected {
  EventData data;
  bool has_error_member = false;
};

bool expect_string(dom::element value, std::optional<std::string>& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  out = std::string(text);
  return true;
}

bool read_part(dom::object part, EventData& out) {
  std::string_view text;
  bool has_text = false, thought = false;
  for (auto [key, value] : part) {
    if (key == "text") {
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      has_text = true;
    } else if (key == "thought") {
      if (value.get_bool().get(thought) != simdjson::SUCCESS) return false;
    }
  }
  if (has_text) (thought ? out.thought : out.text).append(text);
  return true;
}

bool read_candidate(dom::object candidate, EventData& out) {
  for (auto [key, value] : candidate) {
    if (key == "content") {
      dom::object content;
      if (value.get_object().get(content) != simdjson::SUCCESS) return false;
      for (auto [k, v] : content) {
        if (k != "parts") continue;
        dom::array parts;
        if (v.get_array().get(parts) != simdjson::SUCCESS) return false;
        for (dom::element p : parts) {
          dom::object part;
          if (p.get_object().get(part) != simdjson::SUCCESS || !read_part(part, out)) return false;
        }
      }
    } else if (key == "finishReason") {
      if (!expect_string(value, out.finish_reason)) return false;
    }
  }
  return true;
}

// A token count: an integer, or a number with no fraction that fits one (2e1 is 20: JSON has one
// number type, and the parser takes such a count as Gemini's JSON mapping of an int64 allows).
bool whole_number(dom::element v, std::int64_t& out) {
  if (v.get_int64().get(out) == simdjson::SUCCESS) return true;
  double d = 0;
  if (v.get_double().get(d) != simdjson::SUCCESS || !(d >= -9.2e18 && d <= 9.2e18) || d != std::trunc(d))
    return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

std::optional<Expected> expected_event(dom::element root) {
  Expected e;
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  for (auto [key, value] : object) {
    if (key == "candidates") {
      dom::array candidates;
      if (value.get_array().get(candidates) != simdjson::SUCCESS) return std::nullopt;
      bool first = true;
      for (dom::element c : candidates) {
        if (!first) continue;
        first = false;
        dom::object candidate;
        if (c.get_object().get(candidate) != simdjson::SUCCESS ||
            !read_candidate(candidate, e.data)) {
          return std::nullopt;
        }
      }
    } else if (key == "usageMetadata") {
      e.data.usage.emplace();
      dom::object usage;
      if (value.get_object().get(usage) != simdjson::SUCCESS) return std::nullopt;
      for (auto [k, v] : usage) {
        std::int64_t* target = k == "promptTokenCount"       ? &e.data.usage->prompt_tokens
                               : k == "candidatesTokenCount" ? &e.data.usage->output_tokens
                               : k == "thoughtsTokenCount"   ? &e.data.usage->thoughts_tokens
                               : k == "totalTokenCount"      ? &e.data.usage->total_tokens
                                                             : nullptr;
        if (target != nullptr && !whole_number(v, *target)) return std::nullopt;
      }
    } else if (key == "promptFeedback") {
      dom::object feedback;
      if (value.get_object().get(feedback) != simdjson::SUCCESS) return std::nullopt;
      for (auto [k, v] : feedback) {
        if (k == "blockReason" && !expect_string(v, e.data.block_reason)) return std::nullopt;
      }
    } else if (key == "modelVersion") {
      if (!expect_string(value, e.data.model_version)) return std::nullopt;
    } else if (key == "error") {
      if (!value.is_object()) return std::nullopt;
      e.has_error_member = true;
    }
  }
  return e;
}

bool same_usage(const std::optional<Usage>& a, const std::optional<Usage>& b) {
  if (!a || !b) return !a && !b;
  return a->prompt_tokens == b->prompt_tokens && a->output_tokens == b->output_tokens &&
         a->thoughts_tokens == b->thoughts_tokens && a->total_tokens == b->total_tokens;
}

bool same_error(const std::optional<UpstreamError>& a, const std::optional<UpstreamError>& b) {
  if (!a || !b) return !a && !b;
  return a->code == b->code && a->message == b->message && a->http_status == b->http_status &&
         a->status == b->status && a->retry_after_s == b->retry_after_s &&
         a->per_day_quota == b->per_day_quota;
}

bool same_event(const EventData& a, const EventData& b) {
  return a.text == b.text && a.thought == b.thought && a.finish_reason == b.finish_reason &&
         same_usage(a.usage, b.usage) && a.block_reason == b.block_reason &&
         a.model_version == b.model_version && same_error(a.error, b.error);
}

bool is_empty(const EventData& e) {
  return e.text.empty() && e.thought.empty() && !e.finish_reason && !e.usage && !e.block_reason &&
         !e.model_version && !e.error;
}

void check_error(const UpstreamError& e, int http_status) {
  constexpr std::string_view codes[] = {"quota_exceeded",       "invalid_api_key",
                                        "model_not_found",      "bad_request",
                                        "upstream_unavailable", "upstream_protocol"};
  bool known = false;
  for (auto code : codes) known = known || wire_name(e.code) == code;
  FUZZ_CHECK(known, "an error code from DESIGN.md §1");
  FUZZ_CHECK(e.http_status == http_status, "the HTTP status is kept");
  FUZZ_CHECK(!e.message.empty(), "the message says something");
  FUZZ_CHECK(simdjson::validate_utf8(e.message), "the message is valid UTF-8");
  if (e.retry_after_s) {
    FUZZ_CHECK(std::isfinite(*e.retry_after_s) && *e.retry_after_s >= 0 &&
                   *e.retry_after_s <= 1e7,
               "retry_after is a sane number of seconds");
  }
  FUZZ_CHECK(!e.per_day_quota || wire_name(e.code) == "quota_exceeded", "only quotas are per day");
}

int status_from(std::uint8_t b) {
  constexpr int common[] = {200, 400, 401, 403, 404, 429, 500, 502,
                            503, 504, 0,   100, 204, 301, 418, 599};
  return b < 16 ? common[b] : (b * 997) % 1000;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);

  static EventParser parser;  // reused, as one connection reuses it
  static EventData previous;  // what the previous input left behind
  EventData first;
  const auto result = parser.parse(input, first);
  if (result == EventParser::Result::malformed) {
    FUZZ_CHECK(is_empty(first), "a malformed event leaves nothing");
  } else {
    if (first.error) check_error(*first.error, 0);
  }
  // Parsing into an EventData that held another event gives the same.
  const auto again = parser.parse(input, previous);
  FUZZ_CHECK(again == result && same_event(previous, first), "a reused parser and output agree");

  // The DOM oracle, when the DOM parser accepts the text.
  static dom::parser dom_parser;
  const simdjson::padded_string padded(input);
  dom::element root;
  if (dom_parser.parse(padded).get(root) == simdjson::SUCCESS) {
    if (auto expected = expected_event(root)) {
      if (!expected->has_error_member) {
        FUZZ_CHECK(result == EventParser::Result::ok, "DOM-valid data of the right types is ok");
        FUZZ_CHECK(same_event(first, expected->data), "the DOM reading gives the same event");
      } else if (result == EventParser::Result::ok) {
        FUZZ_CHECK(first.error.has_value(), "an accepted error member fills the error");
      }
    } else {
      FUZZ_CHECK(result == EventParser::Result::malformed, "a member of the wrong type is malformed");
    }
  }

  // Error mapping.
  const int status = status_from(bytes[0]);
  const UpstreamError from_response = error_from_response(status, input);
  check_error(from_response, status);
  if (const auto from_event = error_from_event(input)) check_error(*from_event, 0);

  // classify() and redact() on pieces of the input.
  const std::size_t third = input.size() / 3;
  const std::string_view pieces[3] = {input.substr(0, third), input.substr(third, third),
                                      input.substr(2 * third)};
  const UpstreamError classified = classify(status, pieces[0], pieces[1], pieces[2]);
  if (simdjson::validate_utf8(pieces[0]) && simdjson::validate_utf8(pieces[1]) &&
      simdjson::validate_utf8(pieces[2])) {
    check_error(classified, 0);  // the texts come from JSON strings: valid UTF-8
  }
  std::string redacted = from_response.message;
  const std::string_view secret = input.substr(0, bytes[0] & 15);
  redact(redacted, secret);
  // Shorter secrets are left alone on purpose (min_redacted_secret): they would garble words.
  if (secret.size() >= min_redacted_secret && secret.find('*') == std::string_view::npos) {
    FUZZ_CHECK(redacted.find(secret) == std::string::npos, "redact leaves no trace of the secret");
  }
  return 0;
}
