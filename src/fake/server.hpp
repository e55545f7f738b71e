// The fake's accept loop: one coroutine per connection on the caller's io_context.
#pragma once

#include "chatrelay/core/asio.hpp"
#include "connection.hpp"

namespace chatrelay::fake {

// Accepts until the acceptor is closed or the io_context stops.
awaitable<void> accept_loop(tcp_acceptor& acceptor, Services& services);

}  // namespace chatrelay::fake
