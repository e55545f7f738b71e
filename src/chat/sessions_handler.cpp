// The sessions routes: validate the id as FastAPI would, scope it to the caller's token, answer.
#include "chatrelay/chat/sessions_handler.hpp"

#include "chatrelay/chat/conversation.hpp"
#include "chatrelay/chat/sessions.hpp"
#include "chatrelay/chat/validation.hpp"
#include "chatrelay/core/log.hpp"

namespace chatrelay::chat {
namespace {

http1::Response not_found() {
  return http1::json_error(404, "Session not found");
}

http1::Response unavailable(const http::Exchange& ex, std::string_view reason) {
  log::warn("session store unavailable", {log::kv("request_id", ex.request_id()), log::kv("reason", reason)});
  return http1::json_error(503, "The session store does not answer right now; try again in a moment.");
}

}  // namespace

awaitable<std::optional<std::string>> SessionsHandler::session_id(http::Exchange& ex) {
  auto id = decode_path_segment(ex.path_param());
  if (!id) {  // not one segment once decoded: FastAPI would match no route
    co_await ex.respond(http1::json_error(404, "Not Found"));
    co_return std::nullopt;
  }
  if (auto rejection = check_session_id_param(*id)) {
    http1::Response r;
    r.status = rejection->status;
    r.body = std::move(rejection->body);
    co_await ex.respond(std::move(r));
    co_return std::nullopt;
  }
  co_return id;
}

awaitable<void> SessionsHandler::get(http::Exchange& ex) {
  auto id = co_await session_id(ex);
  if (!id) co_return;
  auto read = co_await store::attempt(sessions_.read(session_key(ex.principal(), *id)));
  if (const auto* failure = std::get_if<store::Failure>(&read)) {
    co_await ex.respond(unavailable(ex, failure->reason));
    co_return;
  }
  const auto& session = std::get<std::optional<store::Session>>(read);
  if (!session || session->turns.empty()) {
    co_await ex.respond(not_found());
    co_return;
  }
  http1::Response r;
  r.body = session_json(*id, session->turns, session->updated_at);
  co_await ex.respond(std::move(r));
}

awaitable<void> SessionsHandler::remove(http::Exchange& ex) {
  auto id = co_await session_id(ex);
  if (!id) co_return;
  const auto erase = co_await store::attempt(sessions_.erase(session_key(ex.principal(), *id)));
  if (const auto* failure = std::get_if<store::Failure>(&erase)) {
    co_await ex.respond(unavailable(ex, failure->reason));
    co_return;
  }
  const store::Erased erased = std::get<store::Erased>(erase);
  if (erased == store::Erased::busy) {
    co_await ex.respond(http1::json_error(
        409, "Session " + *id + " is still streaming a reply; wait for it to finish, then delete it."));
    co_return;
  }
  if (erased == store::Erased::not_found) {
    co_await ex.respond(not_found());
    co_return;
  }
  http1::Response r;
  r.status = 204;
  r.content_type = {};
  co_await ex.respond(std::move(r));
}

}  // namespace chatrelay::chat
