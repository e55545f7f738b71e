// The asio 1.22 vocabulary used by every coroutine shell: one place for aliases and default tokens.
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

namespace chatrelay {

using asio::awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// Completion token that returns (error_code, results...) instead of throwing.
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// Sockets whose operations default to awaitables, so call sites read `co_await s.async_x(...)`.
using default_token = asio::use_awaitable_t<>;
using tcp_socket = default_token::as_default_on_t<tcp::socket>;
using tcp_acceptor = default_token::as_default_on_t<tcp::acceptor>;
using steady_timer = default_token::as_default_on_t<asio::steady_timer>;

}  // namespace chatrelay
