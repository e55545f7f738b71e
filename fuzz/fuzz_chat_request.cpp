// libFuzzer target: chat::parse_chat_request on any body. An accepted request must satisfy
// DESIGN.md §1 (1–64 turns, non-empty contents, the last one a user turn, a valid session id); a
// refusal must be a 400 or 422 whose body is valid JSON in FastAPI's shape. Parsing twice (the
// parser is reused per thread) gives the same answer.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "chatrelay/chat/validation.hpp"
#include "fuzz_check.hpp"

using namespace chatrelay::chat;
using chatrelay::memory::Role;
namespace dom = simdjson::dom;

namespace {

void check_rejection(const Rejection& r) {
  FUZZ_CHECK(r.status == 400 || r.status == 422, "refusals are 400 or 422");
  static dom::parser parser;
  dom::element root;
  FUZZ_CHECK(parser.parse(r.body).get(root) == simdjson::SUCCESS, "the refusal body is valid JSON");
  dom::element detail;
  FUZZ_CHECK(root["detail"].get(detail) == simdjson::SUCCESS, "the refusal has a detail");
  if (r.status == 400) {
    FUZZ_CHECK(detail.is_string(), "a 400 detail is a string");
    return;
  }
  dom::array items;
  FUZZ_CHECK(detail.get_array().get(items) == simdjson::SUCCESS, "a 422 detail is a list");
  FUZZ_CHECK(items.size() >= 1, "a 422 names at least one problem");
  for (dom::element item : items) {
    std::string_view type, msg, first;
    dom::array loc;
    FUZZ_CHECK(item["type"].get(type) == simdjson::SUCCESS && !type.empty(), "an item has a type");
    FUZZ_CHECK(item["msg"].get(msg) == simdjson::SUCCESS && !msg.empty(), "an item has a msg");
    FUZZ_CHECK(item["loc"].get(loc) == simdjson::SUCCESS && loc.size() >= 1, "an item has a loc");
    FUZZ_CHECK(loc.at(0).get(first) == simdjson::SUCCESS && first == "body",
               "a loc starts at the body");
  }
}

void check_request(const ChatRequest& request) {
  FUZZ_CHECK(!request.messages.empty() && request.messages.size() <= max_messages,
             "1 to 64 turns");
  for (const auto& turn : request.messages) {
    FUZZ_CHECK(!turn.text.empty(), "contents are not empty");
    FUZZ_CHECK(simdjson::validate_utf8(turn.text), "contents are valid UTF-8");
  }
  FUZZ_CHECK(request.messages.back().role == Role::user, "the last turn is the user's");
  if (request.session_id) {
    FUZZ_CHECK(valid_session_id(*request.session_id), "the session id is valid");
  }
}

bool same(const std::variant<ChatRequest, Rejection>& a,
          const std::variant<ChatRequest, Rejection>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* ra = std::get_if<Rejection>(&a)) {
    const auto& rb = std::get<Rejection>(b);
    return ra->status == rb.status && ra->body == rb.body;
  }
  const auto& qa = std::get<ChatRequest>(a);
  const auto& qb = std::get<ChatRequest>(b);
  if (qa.session_id != qb.session_id || qa.messages.size() != qb.messages.size()) return false;
  for (std::size_t i = 0; i < qa.messages.size(); ++i) {
    if (qa.messages[i].role != qb.messages[i].role || qa.messages[i].text != qb.messages[i].text)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(bytes), size);
  const auto result = parse_chat_request(body);
  if (const auto* rejection = std::get_if<Rejection>(&result)) {
    check_rejection(*rejection);
  } else {
    check_request(std::get<ChatRequest>(result));
    // What the request accepted, the DOM parser accepts too: the body was valid JSON (after the
    // UTF-8 BOM that FastAPI, like Python's utf-8-sig, skips).
    std::string_view json = body;
    if (json.starts_with("\xEF\xBB\xBF")) json.remove_prefix(3);
    static dom::parser parser;
    dom::element root;
    FUZZ_CHECK(parser.parse(json.data(), json.size()).get(root) == simdjson::SUCCESS,
               "an accepted body is valid JSON");
  }
  FUZZ_CHECK(same(parse_chat_request(body), result), "parsing again gives the same answer");
  return 0;
}
