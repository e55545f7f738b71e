// Accepting connections: each gets TCP_NODELAY (every event is its own write) and its own
// coroutine, which owns the Connection.
#include "server.hpp"

namespace chatrelay::fake {
namespace {

awaitable<void> serve(Services& services, tcp::socket socket) {
  Connection connection(services, std::move(socket));
  co_await connection.run();
}

}  // namespace

awaitable<void> accept_loop(tcp_acceptor& acceptor, Services& services) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or similar: back off a little instead of spinning.
      steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    asio::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(acceptor.get_executor(), serve(services, std::move(socket)), asio::detached);
  }
}

}  // namespace chatrelay::fake
