#include "chatrelay/core/socket_records.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <vector>

namespace chatrelay {
namespace {

// Makes sure asio's pool holds at least `n` free records: free ones are taken first, the rest are
// allocated in a row (each costs a dup(2) and an epoll_ctl(2)). Stops short, leaving 256 file
// descriptors free, when the process is near its open-file limit.
void add_records(asio::io_context& io, std::size_t n) {
  // Descriptors of /dev/null: asio registers them like sockets (epoll refuses the file and asio
  // accepts that), so each one holds a record: the free ones first, then new ones in a row.
  rlimit limit{};
  const bool limited = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return;
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
  holders.clear();  // the records go back to asio's pool, side by side, ready for sockets
  ::close(null_fd);
}

// The count of open sockets, one per io_context.
class Records : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  explicit Records(asio::io_context& io) : service(io), io_(io) {}

  void opening() {
    // A batch of 1,024 records takes a few milliseconds; smaller batches scatter more (256: RSS
    // after 8,000 streams 25 MB instead of 19).
    constexpr std::size_t batch = 1024;
    if (++open_ < next_reserve_at_) return;  // below the highest count so far the records exist
    add_records(io_, batch);
    next_reserve_at_ = open_ + batch;
  }
  void closed() {
    if (open_ > 0) --open_;
  }

 private:
  void shutdown() override {}

  asio::io_context& io_;
  std::size_t open_ = 0;
  std::size_t next_reserve_at_ = 0;
};

asio::io_context::id Records::id;

}  // namespace

void socket_opening(asio::io_context& io) { asio::use_service<Records>(io).opening(); }
void socket_closed(asio::io_context& io) { asio::use_service<Records>(io).closed(); }

}  // namespace chatrelay
