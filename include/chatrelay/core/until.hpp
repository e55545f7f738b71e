// until(work, stop): runs both; whichever finishes first, normally or by an exception, wins and
// the other is cancelled. asio's `||` waits for the first *success*, so a failing branch would
// leave it waiting on the other one (a watchdog that never ends by itself); this does not.
#pragma once

#include <exception>
#include <optional>
#include <system_error>
#include <utility>

#include "chatrelay/core/asio.hpp"

#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>

namespace chatrelay {
namespace detail {

// Throws operation_aborted when the awaiting coroutine itself was cancelled meanwhile.
inline awaitable<void> throw_if_cancelled() {
  auto state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none)
    throw std::system_error(asio::error::operation_aborted, "cancelled");
}

// co_spawn hands a default-constructed value with an exception: an optional makes any T fit.
template <typename T>
awaitable<std::optional<T>> optional_of(awaitable<T> a) {
  co_return co_await std::move(a);
}

// Runs both as one parallel group that ends at the first completion of either, whatever its
// outcome; the group reports each branch's exception itself, so no wrapper coroutine per branch is
// needed (until() is held once per open stream: its frames are part of each stream's cost).
// Completes with (order, work's exception, [work's value,] stop's exception).
template <typename W>
auto race(const asio::any_io_executor& ex, awaitable<W> work, awaitable<void> stop) {
  return asio::experimental::make_parallel_group(
             asio::co_spawn(ex, std::move(work), asio::experimental::deferred),
             asio::co_spawn(ex, std::move(stop), asio::experimental::deferred))
      .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
}

}  // namespace detail

// The work's value when it finished first, nullopt when `stop` did. Rethrows the work's exception.
template <typename T>
awaitable<std::optional<T>> until(awaitable<T> work, awaitable<void> stop) {
  auto ex = co_await asio::this_coro::executor;
  auto [order, error, value, stop_error] =
      co_await detail::race(ex, detail::optional_of(std::move(work)), std::move(stop));
  co_await detail::throw_if_cancelled();
  if (order[0] == 1) co_return std::nullopt;  // stop's own exception only means it stopped
  if (error) std::rethrow_exception(error);
  co_return std::move(value);
}

// True when the work finished first, false when `stop` did. Rethrows the work's exception.
inline awaitable<bool> until(awaitable<void> work, awaitable<void> stop) {
  auto ex = co_await asio::this_coro::executor;
  auto [order, error, stop_error] = co_await detail::race(ex, std::move(work), std::move(stop));
  co_await detail::throw_if_cancelled();
  if (order[0] == 1) co_return false;
  if (error) std::rethrow_exception(error);
  co_return true;
}

}  // namespace chatrelay
