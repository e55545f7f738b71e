// Gemini's error objects → UpstreamError: reading the JSON, classifying, wording for a human.
#include "chatrelay/gemini/errors.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <cmath>
#include <cstdint>
#include <string>

#include "chatrelay/json/writer.hpp"

#include "error_fields.hpp"

namespace chatrelay::gemini {
namespace {

// Where "Please retry in 58.2s." starts in Gemini's message, or npos.
constexpr std::string_view retry_hint = "Please retry in ";

std::optional<double> retry_from_message(std::string_view message) {
  const auto at = message.rfind(retry_hint);
  if (at == std::string_view::npos) return std::nullopt;
  return parse_seconds(message.substr(at + retry_hint.size()));
}

int code_from_status(std::string_view status) {
  if (status == "INVALID_ARGUMENT" || status == "FAILED_PRECONDITION" || status == "OUT_OF_RANGE")
    return 400;
  if (status == "UNAUTHENTICATED") return 401;
  if (status == "PERMISSION_DENIED") return 403;
  if (status == "NOT_FOUND") return 404;
  if (status == "RESOURCE_EXHAUSTED") return 429;
  if (status == "INTERNAL" || status == "UNKNOWN") return 500;
  if (status == "UNAVAILABLE") return 503;
  if (status == "DEADLINE_EXCEEDED") return 504;
  return 0;
}

ErrorCode code_for(int code, std::string_view reason) {
  if (code == 400) return reason == "API_KEY_INVALID" ? ErrorCode::invalid_api_key : ErrorCode::bad_request;
  if (code == 401 || code == 403) return ErrorCode::invalid_api_key;
  if (code == 404) return ErrorCode::model_not_found;
  if (code == 429) return ErrorCode::quota_exceeded;
  if (code >= 500 && code <= 599) return ErrorCode::upstream_unavailable;
  return ErrorCode::upstream_protocol;
}

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Upstream strings are length-capped (DESIGN.md §1): in the error chunk, and on the log line.
constexpr std::size_t max_message_bytes = 600;
constexpr std::size_t max_detail_bytes = 1000;

// Gemini's own message made fit for one line: whitespace collapsed, the trailing full stop and
// (when we state the delay ourselves) the retry hint dropped, anything shaped like a Google API
// key ("AIza" + 35 characters) masked, and the length capped at `max_bytes`.
std::string clean_message(std::string_view raw, bool drop_retry_hint, std::size_t max_bytes) {
  if (drop_retry_hint) {
    const auto at = raw.rfind(retry_hint);
    if (at != std::string_view::npos) raw = raw.substr(0, at);
  }
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else if (raw.substr(i).starts_with("AIza")) {
      std::size_t end = i + 4;
      while (end < raw.size() && is_key_char(raw[end])) ++end;
      out.append(end - i >= 30 ? std::string_view("***") : raw.substr(i, end - i));
      i = end - 1;
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  if (out.size() > max_bytes) {
    out.resize(json::complete_utf8_prefix(std::string_view(out).substr(0, max_bytes)));
    out += "\u2026";
  }
  return out;
}

// "HTTP 503, UNAVAILABLE", "PERMISSION_DENIED, SERVICE_DISABLED", or "" when nothing is known.
std::string tag(int http_status, std::int64_t code, std::string_view status,
                std::string_view reason) {
  std::string out;
  const auto add = [&out](std::string_view part) {
    if (part.empty()) return;
    if (!out.empty()) out += ", ";
    out += part;
  };
  if (http_status != 0)
    add("HTTP " + std::to_string(http_status));
  else if (code != 0)
    add("code " + std::to_string(code));
  add(status);
  add(reason);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True when Gemini's message names the account behind the key: a project number or consumer id
// ("has not been used in project 12345678", "consumer 'project_number:348715329010'"). Those are
// the operator's business, not the user's (DESIGN.md §1), so such a message is left out of the
// error chunk and goes to the log only.
bool names_an_account(std::string_view message) {
  std::string lower(message);
  std::ranges::transform(lower, lower.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
  if (lower.find("projects/") != std::string::npos || lower.find("project_number") != std::string::npos) return true;
  if (lower.find("project") == std::string::npos && lower.find("consumer") == std::string::npos) return false;
  std::size_t run = 0;
  for (char c : message) {
    run = is_digit(c) ? run + 1 : 0;
    if (run >= 5) return true;  // an id next to the word; Google's project numbers have 12 digits
  }
  return false;
}

// `what` + ": " + Gemini's message + ". " + what to do.
std::string sentence(std::string_view what, std::string_view message, std::string_view advice) {
  std::string out(what);
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  out += '.';
  if (!advice.empty()) {
    out += ' ';
    out += advice;
  }
  return out;
}

// `code` decides the class: the HTTP status for answers, the object's code inside a stream.
UpstreamError make_error(int code, int http_status, const ErrorFields& f) {
  UpstreamError e;
  e.code = code_for(code, f.reason);
  e.http_status = http_status;
  e.status = f.status;
  e.retry_after_s = f.retry_delay_s;
  const bool quota = e.code == ErrorCode::quota_exceeded;
  if (quota && !e.retry_after_s) e.retry_after_s = retry_from_message(f.message);
  e.per_day_quota = quota && f.per_day_quota;

  // The operator's register: every status and reason, and Gemini's whole message.
  e.detail = tag(http_status, f.code, f.status, f.reason);
  if (const std::string full = clean_message(f.message, false, max_detail_bytes); !full.empty())
    e.detail += (e.detail.empty() ? "" : ": ") + full;
  if (e.detail.empty()) e.detail = "no status or message";

  // The user's register: what happened and what to do, with Gemini's message when it is theirs.
  std::string message = clean_message(f.message, quota && !e.per_day_quota, max_message_bytes);
  if (names_an_account(message)) message.clear();
  if (e.per_day_quota) {
    e.message = sentence("Gemini daily quota exceeded", message,
                         "Try again tomorrow or use a key with a higher quota.");
  } else if (quota) {
    std::string advice = "Wait a minute and try again.";
    if (e.retry_after_s) {
      const auto seconds = std::max<long long>(1, std::llround(std::ceil(*e.retry_after_s)));
      advice = "Retry in " + std::to_string(seconds) + "s.";
    }
    e.message = sentence("Gemini quota exceeded", message, advice);
  } else if (e.code == ErrorCode::invalid_api_key && f.reason == "API_KEY_INVALID") {
    e.message = "Gemini rejected the API key. Check GEMINI_API_KEY.";
  } else if (e.code == ErrorCode::invalid_api_key) {
    e.message = sentence("Gemini refused access", message,
                         "Check GEMINI_API_KEY and that its project may use the Gemini API.");
  } else if (e.code == ErrorCode::model_not_found) {
    e.message = sentence("Gemini model not found", message, "Check GEMINI_MODEL.");
  } else if (e.code == ErrorCode::bad_request) {
    e.message = sentence("Gemini rejected the request", message, "");
  } else if (e.code == ErrorCode::upstream_unavailable) {
    e.message = sentence("Gemini is unavailable", message, "Try again in a moment.");
  } else if (http_status != 0) {
    e.message = sentence("Gemini sent an answer chatrelay does not understand", message, "Try again in a moment.");
  } else {
    e.message = sentence("Gemini reported an error", message, "");
  }
  return e;
}

}  // namespace

UpstreamError error_from_response(int http_status, std::string_view body) {
  json::Reader reader;
  ErrorFields fields;
  const auto root = reader.parse(body);
  if (!root || !read_error_document(*root, fields)) fields = ErrorFields{};
  return make_error(http_status, http_status, fields);
}

std::optional<UpstreamError> error_from_json(const json::Value& root) {
  ErrorFields fields;
  if (!read_error_document(root, fields)) return std::nullopt;
  const int code = fields.code > 0 && fields.code < 1000 ? static_cast<int>(fields.code) : 0;
  return make_error(code != 0 ? code : code_from_status(fields.status), 0, fields);
}

std::optional<UpstreamError> error_from_event(std::string_view text) {
  json::Reader reader;
  const auto root = reader.parse(text);
  if (!root) return std::nullopt;
  return error_from_json(*root);
}

UpstreamError classify(int code, std::string_view status, std::string_view message,
                       std::string_view reason, std::optional<double> retry_after_s,
                       bool per_day_quota) {
  ErrorFields fields;
  fields.code = code;
  fields.status = status;
  fields.message = message;
  fields.reason = reason;
  fields.retry_delay_s = retry_after_s;
  fields.per_day_quota = per_day_quota;
  return make_error(code != 0 ? code : code_from_status(status), 0, fields);
}

UpstreamError error_from_failure(FailedStep step, const std::error_code& ec, std::string_view what,
                                 bool certificate_rejected) {
  UpstreamError e;
  e.code = ErrorCode::upstream_unavailable;
  e.detail = what;
  const bool errno_code = ec.category() == std::system_category() || ec.category() == std::generic_category();
  if (errno_code) {
    if (const char* name = strerrorname_np(ec.value())) e.detail.append(" (").append(name).append(")");
  }
  if (errno_code && (ec.value() == EMFILE || ec.value() == ENFILE)) {
    e.message = "chatrelay cannot open more connections right now; try again in a moment.";
  } else if (certificate_rejected) {
    e.lasting = true;
    e.message =
        "chatrelay could not verify Gemini's TLS certificate, so it sent nothing. The operator should "
        "check gemini.ca_file or the system's trust store.";
  } else if (step == FailedStep::answer) {
    e.message = "The connection to Gemini broke in the middle of the answer. Send the message again.";
  } else if (step == FailedStep::request) {
    e.message = "The connection to Gemini broke before the answer arrived. Try again in a moment.";
  } else {
    e.message = "Could not reach Gemini. Try again in a moment.";
  }
  return e;
}

void redact(std::string& text, std::string_view secret) {
  if (secret.size() < min_redacted_secret) return;
  constexpr std::string_view mask = "***";
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + mask.size())) {
    text.replace(at, secret.size(), mask);
  }
}

}  // namespace chatrelay::gemini
