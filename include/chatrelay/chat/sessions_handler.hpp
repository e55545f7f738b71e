// GET and DELETE /api/sessions/{id}: read or forget a stored conversation (DESIGN.md §1 "Sessions").
#pragma once

#include <optional>
#include <string>

#include "chatrelay/core/asio.hpp"
#include "chatrelay/http/exchange.hpp"
#include "chatrelay/store/session_store.hpp"

namespace chatrelay::chat {

class SessionsHandler {
 public:
  explicit SessionsHandler(store::SessionStore& sessions) : sessions_(sessions) {}

  // 200 with the history, 404 when unknown (or another token's), 422 for an invalid id, 503 when
  // the store does not answer.
  awaitable<void> get(http::Exchange& ex);
  // 204, 404 when unknown, 409 while the session streams, 422 for an invalid id, 503 when the
  // store does not answer.
  awaitable<void> remove(http::Exchange& ex);

 private:
  // The path's session id, or nullopt once the refusal of an invalid one was sent.
  awaitable<std::optional<std::string>> session_id(http::Exchange& ex);

  store::SessionStore& sessions_;
};

}  // namespace chatrelay::chat
