// until(work, stop): runs both; whichever finishes first, normally or by an exception, wins and
// the other is cancelled. asio's `||` waits for the first *success*, so a failing branch would
// leave it waiting on the other one (a watchdog that never ends by itself); this does not.
#pragma once

#include <exception>
#include <optional>
#include <system_error>
#include <type_traits>

#include "chatrelay/core/asio.hpp"

namespace chatrelay {
namespace detail {

template <typename T>
struct Captured {
  std::exception_ptr error;
  std::optional<T> value;
};
template <>
struct Captured<void> {
  std::exception_ptr error;
};

template <typename T>
awaitable<Captured<T>> capture(awaitable<T> a) {
  Captured<T> c;
  try {
    if constexpr (std::is_void_v<T>)
      co_await std::move(a);
    else
      c.value.emplace(co_await std::move(a));
  } catch (...) {
    c.error = std::current_exception();
  }
  co_return c;
}

// Throws operation_aborted when the awaiting coroutine itself was cancelled meanwhile.
inline awaitable<void> throw_if_cancelled() {
  auto state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none)
    throw std::system_error(asio::error::operation_aborted, "cancelled");
}

}  // namespace detail

// The work's value when it finished first, nullopt when `stop` did. Rethrows the work's exception.
template <typename T>
awaitable<std::optional<T>> until(awaitable<T> work, awaitable<void> stop) {
  auto r = co_await (detail::capture(std::move(work)) || detail::capture(std::move(stop)));
  co_await detail::throw_if_cancelled();
  if (r.index() == 1) co_return std::nullopt;
  auto& c = std::get<0>(r);
  if (c.error) std::rethrow_exception(c.error);
  co_return std::move(c.value);
}

// True when the work finished first, false when `stop` did. Rethrows the work's exception.
inline awaitable<bool> until(awaitable<void> work, awaitable<void> stop) {
  auto r = co_await (detail::capture(std::move(work)) || detail::capture(std::move(stop)));
  co_await detail::throw_if_cancelled();
  if (r.index() == 1) co_return false;
  if (auto& c = std::get<0>(r); c.error) std::rethrow_exception(c.error);
  co_return true;
}

}  // namespace chatrelay
