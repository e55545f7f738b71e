// The sessions routes: validate the id as FastAPI would, scope it to the caller's token, answer.
#include "chatrelay/chat/sessions_handler.hpp"

#include "chatrelay/chat/conversation.hpp"
#include "chatrelay/chat/sessions.hpp"
#include "chatrelay/chat/validation.hpp"

namespace chatrelay::chat {
namespace {

http1::Response not_found() {
  return http1::json_error(404, "Session not found");
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
  const auto window = sessions_.window(session_key(ex.principal(), *id));
  if (window.empty()) {
    co_await ex.respond(not_found());
    co_return;
  }
  http1::Response r;
  r.body = session_json(*id, window);  // built before any co_await: the view is the store's
  co_await ex.respond(std::move(r));
}

awaitable<void> SessionsHandler::remove(http::Exchange& ex) {
  auto id = co_await session_id(ex);
  if (!id) co_return;
  const std::string key = session_key(ex.principal(), *id);
  if (sessions_.busy(key)) {
    co_await ex.respond(http1::json_error(
        409, "Session " + *id + " is still streaming a reply; wait for it to finish, then delete it."));
    co_return;
  }
  if (!sessions_.erase(key)) {
    co_await ex.respond(not_found());
    co_return;
  }
  http1::Response r;
  r.status = 204;
  r.content_type = {};
  co_await ex.respond(std::move(r));
}

}  // namespace chatrelay::chat
