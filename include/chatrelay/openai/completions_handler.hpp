// POST /v1/chat/completions: validate, call Gemini, answer as OpenAI's chat.completion (or its
// chunks as SSE). Stateless: nothing is remembered between requests (DESIGN.md §1).
#pragma once

#include <span>
#include <string>

#include "chatrelay/config/settings.hpp"
#include "chatrelay/core/asio.hpp"
#include "chatrelay/gemini/client.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/openai/completion.hpp"
#include "chatrelay/openai/request.hpp"

namespace chatrelay::openai {

class CompletionsHandler {
 public:
  // `models`: the names a request may ask for (see ModelList); they must outlive the handler.
  CompletionsHandler(const config::Settings& settings, gemini::Client& client, std::span<const std::string> models);

  awaitable<void> operator()(http::Exchange& exchange);

 private:
  awaitable<void> stream(http::Exchange& ex, const CompletionRequest& request, const std::string& body);
  awaitable<void> complete(http::Exchange& ex, const CompletionRequest& request, const std::string& body);

  const config::Settings& settings_;
  gemini::Client& client_;
  std::span<const std::string> models_;
};

}  // namespace chatrelay::openai
