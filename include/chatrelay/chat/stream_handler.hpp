// POST /api/chat/stream in four steps: admit (validate, rate limit, take the session), build (the
// Gemini request from the history or the client's transcript), relay (Gemini's answer as NDJSON)
// and finish (commit the turn, then the complete or error chunk). DESIGN.md §1.
#pragma once

#include <optional>
#include <string>

#include "chatrelay/chat/answer.hpp"
#include "chatrelay/chat/validation.hpp"
#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/gemini/request_builder.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/store/session_store.hpp"

namespace chatrelay::chat {

class StreamHandler {
 public:
  StreamHandler(const config::Settings& settings, gemini::Client& client, store::SessionStore& sessions);

  awaitable<void> operator()(http::Exchange& exchange);

 private:
  class SessionLease;
  class StreamHead;
  struct Admitted;

  // Answers a refused request itself (422, 429, 409, or history_unavailable when the store does not
  // answer) and returns nothing.
  awaitable<std::optional<Admitted>> admit(http::Exchange& ex);
  struct Claim {
    std::optional<double> wait;        // seconds until the session's rate limit lets it in
    std::optional<std::string> lease;  // the busy lease's token; empty: the session is busy
  };
  awaitable<Claim> claim(std::string key);
  // Throws store::Unavailable.
  awaitable<std::string> build(Admitted& turn) const;
  awaitable<CallEnd> relay(http::Exchange& ex, std::string body, Answer& answer, StreamHead& head);
  static awaitable<void> end_stream(http::Exchange& ex, StreamHead& head, std::string_view out);
  static awaitable<void> end_unavailable(http::Exchange& ex, StreamHead& head, std::string_view step,
                                         std::string_view reason);
  // Whether the turn completed, and so was committed.
  awaitable<bool> finish(http::Exchange& ex, Admitted& turn, Answer& answer, const CallEnd& end, StreamHead& head);

  const config::Settings& settings_;
  gemini::Client& client_;
  store::SessionStore& sessions_;
  gemini::GenerationOptions options_;
};

}  // namespace chatrelay::chat
