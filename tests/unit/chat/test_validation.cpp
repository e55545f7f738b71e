// Request validation: every rule of the POST /api/chat/stream body, with FastAPI's statuses and
// error shapes.
#include "chatrelay/chat/validation.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

using chatrelay::chat::ChatRequest;
using chatrelay::chat::parse_chat_request;
using chatrelay::chat::Rejection;
using chatrelay::chat::valid_session_id;
using chatrelay::memory::Role;

namespace {

struct Detail {
  std::string loc;  // minified JSON, e.g. ["body","messages",0,"role"]
  std::string type;
  std::string msg;
  std::string ctx;  // minified JSON, empty when absent
};

Rejection rejected(std::string_view body) {
  auto result = parse_chat_request(body);
  REQUIRE(std::holds_alternative<Rejection>(result));
  return std::get<Rejection>(result);
}

ChatRequest accepted(std::string_view body) {
  auto result = parse_chat_request(body);
  if (auto* r = std::get_if<Rejection>(&result)) FAIL(r->status << " " << r->body);
  return std::get<ChatRequest>(result);
}

// The `detail` list of a 422 body, checked to be exactly FastAPI's shape.
std::vector<Detail> details_of(std::string_view body) {
  auto result = parse_chat_request(body);
  REQUIRE(std::holds_alternative<Rejection>(result));
  const Rejection& r = std::get<Rejection>(result);
  INFO(r.body);
  REQUIRE(r.status == 422);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(r.body).get(root) == simdjson::SUCCESS);
  simdjson::dom::array list;
  REQUIRE(root["detail"].get(list) == simdjson::SUCCESS);
  std::vector<Detail> out;
  for (simdjson::dom::element item : list) {
    Detail d;
    simdjson::dom::array loc;
    REQUIRE(item["loc"].get(loc) == simdjson::SUCCESS);
    d.loc = simdjson::minify(loc);
    std::string_view s;
    REQUIRE(item["type"].get(s) == simdjson::SUCCESS);
    d.type = s;
    REQUIRE(item["msg"].get(s) == simdjson::SUCCESS);
    d.msg = s;
    simdjson::dom::object ctx;
    if (item["ctx"].get(ctx) == simdjson::SUCCESS) d.ctx = simdjson::minify(ctx);
    out.push_back(d);
  }
  REQUIRE_FALSE(out.empty());
  return out;
}

// The single error of a body that has exactly one problem.
Detail only_detail(std::string_view body) {
  auto details = details_of(body);
  REQUIRE(details.size() == 1);
  return details[0];
}

std::string with_messages(std::string_view messages_json) {
  return R"({"messages":)" + std::string(messages_json) + "}";
}

std::string user_turns(std::size_t n) {
  std::string list = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i) list += ',';
    list += R"({"role":"user","content":"hi"})";
  }
  return list + "]";
}

}  // namespace

TEST_CASE("a valid request") {
  auto request = accepted(R"({"session_id":"3f1c-ab.CD_9:x","messages":[
      {"role":"user","content":"Build a todo app"},
      {"role":"assistant","content":"Here it is"},
      {"role":"model","content":"and more"},
      {"role":"user","content":"Now in \u00e9 \ud83d\ude00 French"}],"extra":{"ignored":[1,2]}})");
  REQUIRE(request.session_id == "3f1c-ab.CD_9:x");
  REQUIRE(request.messages.size() == 4);
  CHECK(request.messages[0].role == Role::user);
  CHECK(request.messages[0].text == "Build a todo app");
  CHECK(request.messages[1].role == Role::model);
  CHECK(request.messages[2].role == Role::model);
  CHECK(request.messages[3].role == Role::user);
  CHECK(request.messages[3].text == "Now in \xC3\xA9 \xF0\x9F\x98\x80 French");
}

TEST_CASE("session_id is optional, and null means absent") {
  CHECK_FALSE(accepted(with_messages(user_turns(1))).session_id.has_value());
  CHECK_FALSE(accepted(R"({"session_id":null,"messages":[{"role":"user","content":"x"}]})")
                  .session_id.has_value());
}

TEST_CASE("1 and 64 messages are accepted") {
  CHECK(accepted(with_messages(user_turns(1))).messages.size() == 1);
  CHECK(accepted(with_messages(user_turns(64))).messages.size() == 64);
}

TEST_CASE("malformed JSON is 400 with a string detail") {
  for (std::string_view body :
       {"{", "{\"messages\":[}", "nope", "{\"a\":1,}", "   ", "{} {}", "{\"a\":\"\x01\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"}]}", "{\"a\":\"\xED\xA0\x80\"}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
    INFO(body);
    Rejection r = rejected(body);
    CHECK(r.status == 400);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    REQUIRE(parser.parse(r.body).get(root) == simdjson::SUCCESS);
    std::string_view detail;
    REQUIRE(root["detail"].get(detail) == simdjson::SUCCESS);
    CHECK(detail.rfind("Malformed JSON body: ", 0) == 0);
  }
}

TEST_CASE("an empty or null body is a missing body") {
  for (std::string_view body : {"", "null", " null\n"}) {
    auto d = only_detail(body);
    CHECK(d.loc == R"(["body"])");
    CHECK(d.type == "missing");
    CHECK(d.msg == "Field required");
  }
}

TEST_CASE("a JSON body that is not an object is 422 at [body]") {
  for (std::string_view body : {"[]", "[{\"messages\":[]}]", "\"text\"", "42", "true"}) {
    INFO(body);
    auto d = only_detail(body);
    CHECK(d.loc == R"(["body"])");
    CHECK(d.type == "model_attributes_type");
  }
}

TEST_CASE("messages: required, a list, 1 to 64 items") {
  auto missing = only_detail(R"({"session_id":"abc"})");
  CHECK(missing.loc == R"(["body","messages"])");
  CHECK(missing.type == "missing");
  CHECK(missing.msg == "Field required");

  for (std::string_view value : {R"("hi")", "null", "{}", "3"}) {
    auto d = only_detail(with_messages(value));
    CHECK(d.loc == R"(["body","messages"])");
    CHECK(d.type == "list_type");
    CHECK(d.msg == "Input should be a valid list");
  }

  auto empty = only_detail(with_messages("[]"));
  CHECK(empty.loc == R"(["body","messages"])");
  CHECK(empty.type == "too_short");
  CHECK(empty.msg == "List should have at least 1 item after validation, not 0");
  CHECK(empty.ctx == R"({"field_type":"List","min_length":1,"actual_length":0})");

  auto many = only_detail(with_messages(user_turns(65)));
  CHECK(many.loc == R"(["body","messages"])");
  CHECK(many.type == "too_long");
  CHECK(many.msg == "List should have at most 64 items after validation, not 65");
  CHECK(many.ctx == R"({"field_type":"List","max_length":64,"actual_length":65})");
}

TEST_CASE("each message must be an object") {
  auto d = only_detail(with_messages(R"(["hello",{"role":"user","content":"x"}])"));
  CHECK(d.loc == R"(["body","messages",0])");
  CHECK(d.type == "model_attributes_type");
}

TEST_CASE("role: required, one of user, assistant, model") {
  auto missing = only_detail(with_messages(R"([{"content":"x"}])"));
  CHECK(missing.loc == R"(["body","messages",0,"role"])");
  CHECK(missing.type == "missing");

  for (std::string_view role : {R"("system")", R"("User")", R"("")", "1", "null", "[\"user\"]"}) {
    INFO(role);
    auto d = only_detail(with_messages(R"([{"role":)" + std::string(role) +
                                       R"(,"content":"x"},{"role":"user","content":"y"}])"));
    CHECK(d.loc == R"(["body","messages",0,"role"])");
    CHECK(d.type == "literal_error");
    CHECK(d.msg == "Input should be 'user', 'assistant' or 'model'");
    CHECK(d.ctx == R"({"expected":"'user', 'assistant' or 'model'"})");
  }
}

TEST_CASE("content: required, a non-empty string") {
  auto missing = only_detail(with_messages(R"([{"role":"user"}])"));
  CHECK(missing.loc == R"(["body","messages",0,"content"])");
  CHECK(missing.type == "missing");

  for (std::string_view content : {"1", "null", "[\"a\"]", "{\"text\":\"a\"}", "false"}) {
    INFO(content);
    auto d = only_detail(with_messages(R"([{"role":"user","content":)" + std::string(content) +
                                       "}]"));
    CHECK(d.loc == R"(["body","messages",0,"content"])");
    CHECK(d.type == "string_type");
    CHECK(d.msg == "Input should be a valid string");
  }

  auto empty = only_detail(with_messages(R"([{"role":"user","content":""}])"));
  CHECK(empty.loc == R"(["body","messages",0,"content"])");
  CHECK(empty.type == "string_too_short");
  CHECK(empty.msg == "String should have at least 1 character");
}

TEST_CASE("the last message must be a user turn") {
  for (std::string_view role : {"assistant", "model"}) {
    auto d = only_detail(with_messages(R"([{"role":"user","content":"a"},{"role":")" +
                                       std::string(role) + R"(","content":"b"}])"));
    CHECK(d.loc == R"(["body","messages",1,"role"])");
    CHECK(d.type == "value_error");
    CHECK(d.msg.rfind("Value error, ", 0) == 0);
  }
}

TEST_CASE("session_id: a string of 1-128 chars of [A-Za-z0-9._:-]") {
  auto body = [](std::string_view id_json) {
    return R"({"session_id":)" + std::string(id_json) +
           R"(,"messages":[{"role":"user","content":"x"}]})";
  };
  CHECK(accepted(body('"' + std::string(128, 'a') + '"')).session_id->size() == 128);

  for (std::string_view id : {"1", "true", "[\"a\"]", "{}"}) {
    auto d = only_detail(body(id));
    CHECK(d.loc == R"(["body","session_id"])");
    CHECK(d.type == "string_type");
  }

  auto empty = only_detail(body(R"("")"));
  CHECK(empty.loc == R"(["body","session_id"])");
  CHECK(empty.type == "string_too_short");

  auto long_id = only_detail(body('"' + std::string(129, 'a') + '"'));
  CHECK(long_id.type == "string_too_long");
  CHECK(long_id.msg == "String should have at most 128 characters");
  CHECK(long_id.ctx == R"({"max_length":128})");

  for (std::string_view id : {R"("a b")", R"("a/b")", R"("\u00e9")", R"("a\nb")", R"("id;drop")"}) {
    INFO(id);
    auto d = only_detail(body(id));
    CHECK(d.loc == R"(["body","session_id"])");
    CHECK(d.type == "string_pattern_mismatch");
    CHECK(d.msg == "String should match pattern '^[A-Za-z0-9._:-]+$'");
  }
  // 100 two-byte characters: too long in bytes, not in characters (pydantic counts characters).
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xC3\xA9";
  CHECK(only_detail(body('"' + accented + '"')).type == "string_pattern_mismatch");
}

TEST_CASE("valid_session_id") {
  CHECK(valid_session_id("abc"));
  CHECK(valid_session_id("A.b_c:d-9"));
  CHECK(valid_session_id(std::string(128, 'x')));
  CHECK_FALSE(valid_session_id(""));
  CHECK_FALSE(valid_session_id(std::string(129, 'x')));
  CHECK_FALSE(valid_session_id("a b"));
  CHECK_FALSE(valid_session_id(std::string_view("a\0b", 3)));
}

TEST_CASE("every error is reported, in order") {
  auto details = details_of(R"({"session_id":"bad id","messages":[
      {"role":"system","content":""},
      7,
      {"content":"x"},
      {"role":"assistant","content":null}]})");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& d : details) got.emplace_back(d.loc, d.type);
  std::vector<std::pair<std::string, std::string>> want{
      {R"(["body","session_id"])", "string_pattern_mismatch"},
      {R"(["body","messages",0,"role"])", "literal_error"},
      {R"(["body","messages",0,"content"])", "string_too_short"},
      {R"(["body","messages",1])", "model_attributes_type"},
      {R"(["body","messages",2,"role"])", "missing"},
      {R"(["body","messages",3,"content"])", "string_type"},
      {R"(["body","messages",3,"role"])", "value_error"},
  };
  CHECK(got == want);
}

TEST_CASE("duplicate keys: the last one wins, as in Python") {
  auto request = accepted(R"({"messages":[],"messages":[{"role":"model","content":"a",
      "role":"user"}]})");
  REQUIRE(request.messages.size() == 1);
  CHECK(request.messages[0].role == Role::user);
}

TEST_CASE("strings in the error body are escaped") {
  // The loc never echoes input, but the body must stay valid JSON for any input.
  Rejection r = rejected("{\"messages\":\"\\\"</script>\"}");
  CHECK(r.status == 422);
  simdjson::dom::parser parser;
  CHECK(parser.parse(r.body).error() == simdjson::SUCCESS);
}

TEST_CASE("never throws on arbitrary prefixes of a valid body") {
  std::string body = R"({"session_id":"s1","messages":[{"role":"user","content":"h\u00e9llo"}]})";
  for (std::size_t n = 0; n <= body.size(); ++n) {
    auto view = std::string_view(body).substr(0, n);
    CHECK_NOTHROW(parse_chat_request(view));
  }
  for (std::size_t i = 0; i < body.size(); ++i) {
    std::string broken = body;
    broken[i] = '\xFF';
    CHECK_NOTHROW(parse_chat_request(broken));
    CHECK(std::get<Rejection>(parse_chat_request(broken)).status == 400);
  }
}
