// setrlimit(2) at start-up: RLIMIT_NOFILE up to the hard limit, RLIMIT_CORE down to 0.
#include "chatrelay/core/process_limits.hpp"

#include <sys/resource.h>

#include <cerrno>

namespace chatrelay {

FileLimit raise_file_limit() {
  FileLimit out;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    out.error = errno;
    return out;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
    else
      out.error = errno;
  }
  out.soft = limit.rlim_cur;
  out.hard = limit.rlim_max;
  return out;
}

std::uint64_t files_needed(std::size_t max_connections, std::size_t upstream_pool) {
  constexpr std::uint64_t margin = 64;
  return 2 * static_cast<std::uint64_t>(max_connections) + upstream_pool + margin;
}

int disable_core_dumps() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_CORE, &limit) != 0) return errno;
  limit.rlim_cur = 0;
  return ::setrlimit(RLIMIT_CORE, &limit) == 0 ? 0 : errno;
}

}  // namespace chatrelay
