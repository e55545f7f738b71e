// POST /api/chat/stream: validate, add the session's history, relay Gemini's answer as NDJSON,
// and commit the turns only when the answer completed.
#pragma once

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/core/rate_limiter.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/gemini/request_builder.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/memory/session_store.hpp"

namespace chatrelay::chat {

class StreamHandler {
 public:
  StreamHandler(const config::Settings& settings, gemini::Client& client, memory::SessionStore& sessions);

  awaitable<void> operator()(http::Exchange& exchange);

 private:
  const config::Settings& settings_;
  gemini::Client& client_;
  memory::SessionStore& sessions_;
  gemini::GenerationOptions options_;
  RateLimiter session_limiter_;
};

}  // namespace chatrelay::chat
