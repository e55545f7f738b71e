// The pure decisions of a chat turn: what each event adds, and the error a turn ends with.
#include <catch2/catch.hpp>

#include "chatrelay/chat/answer.hpp"

using chatrelay::ErrorCode;
using chatrelay::chat::Answer;
using chatrelay::chat::CallEnd;
using chatrelay::chat::max_answer_bytes;
using chatrelay::chat::turn_error;
using chatrelay::gemini::EventData;

namespace {

CallEnd stopped() {
  CallEnd end;
  end.stopped = true;
  return end;
}
CallEnd too_large() {
  CallEnd end;
  end.too_large = true;
  return end;
}

EventData text_event(std::string text, std::optional<std::string> finish = std::nullopt) {
  EventData ev;
  ev.text = std::move(text);
  ev.finish_reason = std::move(finish);
  return ev;
}

Answer answer_of(std::initializer_list<EventData> events, bool thoughts = false) {
  Answer answer(thoughts);
  std::string out;
  for (const auto& ev : events) REQUIRE(answer.take(ev, out));
  return answer;
}

}  // namespace

TEST_CASE("answer: events add token chunks and text; thoughts only when asked") {
  EventData thought;
  thought.thought = "hmm";
  for (bool thoughts : {false, true}) {
    Answer answer(thoughts);
    std::string out;
    CHECK(answer.take(thought, out));
    CHECK(answer.take(text_event("Hi"), out));
    CHECK(answer.take(text_event(" there", "STOP"), out));
    CHECK(answer.text() == "Hi there");
    CHECK(answer.finish_reason() == "STOP");
    const std::string tokens = R"({"type":"token","content":"Hi"})" "\n" R"({"type":"token","content":" there"})" "\n";
    CHECK(out == (thoughts ? std::string(R"({"type":"thinking","content":"hmm"})" "\n") + tokens : tokens));
  }
}

TEST_CASE("answer: an answer never grows past its byte budget") {
  Answer answer(false);
  std::string out;
  CHECK(answer.take(text_event(std::string(max_answer_bytes - 1, 'a')), out));
  CHECK(answer.take(text_event("b"), out));
  out.clear();
  CHECK_FALSE(answer.take(text_event("c", "STOP"), out));
  CHECK(out.empty());
  CHECK(answer.text().size() == max_answer_bytes);
  CHECK_FALSE(answer.finish_reason());
}

TEST_CASE("answer: how a turn ends") {
  CHECK_FALSE(turn_error(answer_of({text_event("Hello", "STOP")}), {}));
  CHECK_FALSE(turn_error(answer_of({text_event("cut", "MAX_TOKENS")}), {}));
  CHECK_FALSE(turn_error(answer_of({text_event("no reason")}), {}));  // text, yet no finish: complete

  const auto code = [](const Answer& a, const CallEnd& end = {}) { return turn_error(a, end)->code; };
  CHECK(code(answer_of({text_event("x")}), too_large()) == ErrorCode::upstream_protocol);
  CHECK(code(answer_of({text_event("x")}), stopped()) == ErrorCode::shutting_down);

  CallEnd quota;
  quota.error.emplace();
  quota.error->code = ErrorCode::quota_exceeded;
  quota.error->message = "later";
  quota.error->retry_after_s = 7;
  const auto failed = turn_error(answer_of({text_event("partial")}), quota);
  CHECK(failed->code == ErrorCode::quota_exceeded);
  CHECK(failed->message == "later");
  CHECK(failed->retry_after_s == 7);

  EventData blocked;
  blocked.block_reason = "SAFETY";
  CHECK(code(answer_of({blocked})) == ErrorCode::blocked);
  CHECK(code(answer_of({text_event("", "RECITATION")})) == ErrorCode::blocked);
  CHECK(code(answer_of({text_event("  \n")})) == ErrorCode::incomplete);  // no finish, no visible text

  const auto out_of_room = turn_error(answer_of({text_event("", "MAX_TOKENS")}), {});
  CHECK(out_of_room->code == ErrorCode::incomplete);
  CHECK(out_of_room->finished_without_text);
  const auto empty = turn_error(answer_of({text_event(" ", "STOP")}), {});
  CHECK(empty->code == ErrorCode::empty_answer);
  CHECK(empty->finished_without_text);
  CHECK_FALSE(turn_error(answer_of({}), stopped())->finished_without_text);
}
