// Request validation: every rule of the POST /api/chat/stream body and of a {session_id} path
// parameter, with FastAPI's statuses and error shapes.
#include "chatrelay/chat/validation.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

#include "chatrelay/json/writer.hpp"

using chatrelay::chat::ChatRequest;
using chatrelay::chat::check_session_id_param;
using chatrelay::chat::decode_path_segment;
using chatrelay::chat::is_json_media_type;
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

Rejection rejected(std::string_view body, std::string_view content_type = "") {
  auto result = parse_chat_request(body, content_type);
  REQUIRE(std::holds_alternative<Rejection>(result));
  return std::get<Rejection>(result);
}

ChatRequest accepted_with(std::string_view body, std::string_view content_type) {
  auto result = parse_chat_request(body, content_type);
  if (auto* r = std::get_if<Rejection>(&result)) FAIL(r->status << " " << r->body);
  return std::get<ChatRequest>(result);
}

ChatRequest accepted(std::string_view body) { return accepted_with(body, ""); }

// The `detail` list of a 422 answer, checked to be exactly FastAPI's shape.
std::vector<Detail> details_of_rejection(const Rejection& r) {
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

std::vector<Detail> details_of(std::string_view body, std::string_view content_type = "") {
  auto result = parse_chat_request(body, content_type);
  REQUIRE(std::holds_alternative<Rejection>(result));
  return details_of_rejection(std::get<Rejection>(result));
}

// The single error of a body that has exactly one problem.
Detail only_detail(std::string_view body, std::string_view content_type = "") {
  auto details = details_of(body, content_type);
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

TEST_CASE("1 and 500 messages are accepted") {
  CHECK(accepted(with_messages(user_turns(1))).messages.size() == 1);
  CHECK(accepted(with_messages(user_turns(500))).messages.size() == 500);
}

TEST_CASE("invalid JSON is 422 json_invalid at Python's position, with Python's message") {
  struct Case {
    std::string_view body;
    std::size_t position;
    std::string_view error;
  };
  // Positions and messages as CPython 3.11's json.loads gives them for the same bytes.
  for (const Case& c : std::initializer_list<Case>{
           {"{", 1, "Expecting property name enclosed in double quotes"},
           {"{\"messages\":[}", 13, "Expecting value"},
           {"nope", 0, "Expecting value"},
           {"{\"a\":1,}", 7, "Expecting property name enclosed in double quotes"},
           {"   ", 3, "Expecting value"},
           {"{} {}", 3, "Extra data"},
           {"{\"a\":\"\x01\"}", 6, "Invalid control character at"},
           {"{\"a\" 1}", 5, "Expecting ':' delimiter"},
           {"[1 2]", 3, "Expecting ',' delimiter"},
           {"[1,]", 3, "Expecting value"},
           {"{\"a\":\"abc", 5, "Unterminated string starting at"},
           {"[\"\\x\"]", 2, "Invalid \\escape"},
           {"[\"\\u12\"]", 3, "Invalid \\uXXXX escape"},
           {"[-]", 1, "Expecting value"},
           {"[01]", 2, "Expecting ',' delimiter"},
           {"1.e5", 1, "Extra data"},
           {"[tru]", 1, "Expecting value"},
           // Positions count characters, not bytes: the error is after "é😀".
           {"[\"\xC3\xA9\xF0\x9F\x98\x80\" x]", 6, "Expecting ',' delimiter"},
           // One BOM is skipped (Python decodes the bytes as utf-8-sig); a second is an error.
           {"\xEF\xBB\xBF{", 1, "Expecting property name enclosed in double quotes"},
           {"\xEF\xBB\xBF\xEF\xBB\xBF{}", 0, "Unexpected UTF-8 BOM (decode using utf-8-sig)"},
       }) {
    INFO(c.body);
    auto d = only_detail(c.body);
    CHECK(d.type == "json_invalid");
    CHECK(d.loc == "[\"body\"," + std::to_string(c.position) + "]");
    CHECK(d.msg == "JSON decode error");
    CHECK(d.ctx == "{\"error\":" + chatrelay::json::quote(c.error) + "}");
  }
  // FastAPI's whole item: {"type","loc","msg","input":{},"ctx"}.
  CHECK(rejected("[").body ==
        R"({"detail":[{"type":"json_invalid","loc":["body",1],"msg":"JSON decode error","input":{},)"
        R"("ctx":{"error":"Expecting value"}}]})");
}

TEST_CASE("bytes Python cannot decode are 400, as FastAPI answers them") {
  for (std::string_view body : {"{\"messages\":[{\"role\":\"user\",\"content\":\"\xC3\x28\"}]}", "{\"a\":\"\xED\xA0\x80\"}",
                                "\xFF{}", "{\"a\":1,} \xC3"}) {
    INFO(body);
    Rejection r = rejected(body);
    CHECK(r.status == 400);
    CHECK(r.body == R"({"detail":"There was an error parsing the body"})");
  }
}

TEST_CASE("a UTF-8 BOM before the JSON is skipped") {
  auto request = accepted("\xEF\xBB\xBF{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  CHECK(request.messages.size() == 1);
  // Only the BOM: what is left is empty, an invalid document rather than a missing body.
  CHECK(only_detail("\xEF\xBB\xBF").type == "json_invalid");
}

TEST_CASE("Content-Type: JSON media types are parsed, any other is a 422 on [body]") {
  const std::string body = with_messages(user_turns(1));
  for (std::string_view type : {"", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                                "Application/Json;charset=UTF-8", " application/json ", "application/json ; x=y",
                                "application/vnd.api+json", "application/ld+json; charset=utf-8",
                                "application/+json", "application/PROBLEM+JSON"}) {
    INFO(type);
    CHECK(is_json_media_type(type));
    CHECK(accepted_with(body, type).messages.size() == 1);
  }
  for (std::string_view type : {"text/plain", "text/json", "application/x-www-form-urlencoded", "application/jsonx",
                                "application/x-json", "application/json/x", "application", "application /json",
                                "application/ json", ";charset=utf-8", "multipart/form-data; boundary=x", "json"}) {
    INFO(type);
    CHECK_FALSE(is_json_media_type(type));
    auto d = only_detail(body, type);
    CHECK(d.loc == R"(["body"])");
    CHECK(d.type == "model_attributes_type");
    CHECK(d.msg == "Input should be a valid dictionary or object to extract fields from");
  }
  // An empty body is missing, whatever its type; another type is never parsed, even when broken.
  CHECK(only_detail("", "text/plain").type == "missing");
  CHECK(only_detail("{", "text/plain").type == "model_attributes_type");
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

TEST_CASE("messages: required, a list, 1 to 500 items") {
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

  auto many = only_detail(with_messages(user_turns(501)));
  CHECK(many.loc == R"(["body","messages"])");
  CHECK(many.type == "too_long");
  CHECK(many.msg == "List should have at most 500 items after validation, not 501");
  CHECK(many.ctx == R"({"field_type":"List","max_length":500,"actual_length":501})");
}

TEST_CASE("each message must be an object") {
  auto d = only_detail(with_messages(R"(["hello",{"role":"user","content":"x"}])"));
  CHECK(d.loc == R"(["body","messages",0])");
  CHECK(d.type == "model_attributes_type");
}

TEST_CASE("role: required, one of user, assistant, model, system") {
  auto missing = only_detail(with_messages(R"([{"content":"x"}])"));
  CHECK(missing.loc == R"(["body","messages",0,"role"])");
  CHECK(missing.type == "missing");

  for (std::string_view role : {R"("robot")", R"("User")", R"("System")", R"("")", "1", "null", "[\"user\"]"}) {
    INFO(role);
    auto d = only_detail(with_messages(R"([{"role":)" + std::string(role) +
                                       R"(,"content":"x"},{"role":"user","content":"y"}])"));
    CHECK(d.loc == R"(["body","messages",0,"role"])");
    CHECK(d.type == "literal_error");
    CHECK(d.msg == "Input should be 'user', 'assistant', 'model' or 'system'");
    CHECK(d.ctx == R"({"expected":"'user', 'assistant', 'model' or 'system'"})");
  }
}

TEST_CASE("system messages, anywhere, are kept apart from the turns") {
  auto request = accepted(with_messages(R"([{"role":"system","content":"Be brief."},
      {"role":"user","content":"a"},{"role":"system","content":"Use French."},
      {"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"system","content":"Last."}])"));
  CHECK(request.system == std::vector<std::string>{"Be brief.", "Use French.", "Last."});
  REQUIRE(request.messages.size() == 3);
  CHECK(request.messages[0].text == "a");
  CHECK(request.messages[1].role == Role::model);
  CHECK(request.messages[2].text == "c");
  // System content follows the same rules.
  auto empty = only_detail(with_messages(R"([{"role":"system","content":""},{"role":"user","content":"x"}])"));
  CHECK(empty.loc == R"(["body","messages",0,"content"])");
  CHECK(empty.type == "string_too_short");
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

TEST_CASE("the last message that is not a system message must be a user turn") {
  for (std::string_view role : {"assistant", "model"}) {
    auto d = only_detail(with_messages(R"([{"role":"user","content":"a"},{"role":")" +
                                       std::string(role) + R"(","content":"b"}])"));
    CHECK(d.loc == R"(["body","messages",1,"role"])");
    CHECK(d.type == "value_error");
    CHECK(d.msg == "Value error, the last message that is not a system message must be a user turn (role 'user')");
  }
  // System messages after it do not change that.
  auto after = only_detail(with_messages(
      R"([{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"system","content":"c"}])"));
  CHECK(after.loc == R"(["body","messages",1,"role"])");
  CHECK(after.type == "value_error");
  CHECK(accepted(with_messages(R"([{"role":"user","content":"a"},{"role":"system","content":"c"}])")).messages.size() ==
        1);
  // Only system messages: no turn at all.
  auto none = only_detail(with_messages(R"([{"role":"system","content":"a"}])"));
  CHECK(none.loc == R"(["body","messages"])");
  CHECK(none.type == "value_error");
  CHECK(none.msg == "Value error, the messages must include a user turn (role 'user')");
  // Not judged when an invalid role comes after the last turn: it might have been the user's.
  auto unknown = only_detail(with_messages(R"([{"role":"assistant","content":"a"},{"role":"robot","content":"b"}])"));
  CHECK(unknown.type == "literal_error");
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
      {"role":"robot","content":""},
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

TEST_CASE("decode_path_segment: percent-decoded like the path FastAPI routes") {
  CHECK(decode_path_segment("abc") == "abc");
  CHECK(decode_path_segment("a%2Db%2e") == "a-b.");
  CHECK(decode_path_segment("a%20b") == "a b");
  CHECK(decode_path_segment("100%") == "100%");
  CHECK(decode_path_segment("%zz") == "%zz");
  CHECK_FALSE(decode_path_segment("a%2Fb"));  // two segments: no route
  CHECK_FALSE(decode_path_segment(""));
}

TEST_CASE("check_session_id_param: FastAPI's 422 at [path, session_id]") {
  CHECK_FALSE(check_session_id_param("3f1c-ab.CD_9:x"));
  auto bad = check_session_id_param("a b");
  REQUIRE(bad);
  auto d = details_of_rejection(*bad);
  REQUIRE(d.size() == 1);
  CHECK(d[0].loc == R"(["path","session_id"])");
  CHECK(d[0].type == "string_pattern_mismatch");
  auto long_id = check_session_id_param(std::string(129, 'a'));
  REQUIRE(long_id);
  CHECK(details_of_rejection(*long_id)[0].type == "string_too_long");
}
