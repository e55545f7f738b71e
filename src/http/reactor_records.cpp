#include "reactor_records.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio/posix/stream_descriptor.hpp>
#include <vector>

namespace chatrelay::http {

std::size_t add_reactor_records(asio::io_context& io, std::size_t n) {
  // Descriptors of /dev/null: asio registers them like sockets (epoll refuses the file and asio
  // accepts that), so each one holds a record: the free ones first, then new ones in a row.
  rlimit limit{};
  const bool limited = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return 0;
  std::vector<asio::posix::stream_descriptor> holders;
  holders.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) break;  // out of descriptors: keep what could be held
    if (limited && static_cast<rlim_t>(fd) + 256 >= limit.rlim_cur) {  // leave room for sockets
      ::close(fd);
      break;
    }
    asio::error_code ec;
    holders.emplace_back(io);
    holders.back().assign(fd, ec);
    if (ec) {
      ::close(fd);
      holders.pop_back();
      break;
    }
  }
  const std::size_t added = holders.size();
  holders.clear();  // the records go back to asio's pool, side by side, ready for sockets
  ::close(null_fd);
  return added;
}

}  // namespace chatrelay::http
