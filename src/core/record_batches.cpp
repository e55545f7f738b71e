// Batches of asio's per-socket records, made ahead of the sockets (see record_batches.hpp).
#include "chatrelay/core/record_batches.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <vector>

namespace chatrelay {
namespace {

// Descriptors kept free for sockets: a batch never takes the process near its open-file limit.
constexpr rlim_t spare_descriptors = 256;

// Registers up to `n` descriptors of /dev/null with asio at once, then closes them: asio keeps
// the records they took, in a row, for the sockets that come next. Stops short when the process
// nears its open-file limit. Costs a dup(2) and an epoll_ctl(2) a record.
void make_records(asio::io_context& io, std::size_t n) {
  rlimit limit{};
  const bool limited = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return;
  std::vector<asio::posix::stream_descriptor> holders;
  holders.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) break;
    if (limited && static_cast<rlim_t>(fd) + spare_descriptors >= limit.rlim_cur) {
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
  holders.clear();  // the descriptors close; asio keeps their records, side by side
  ::close(null_fd);
}

// The count of open sockets, one per io_context.
class OpenSockets : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  explicit OpenSockets(asio::io_context& io) : service(io), io_(io) {}

  void opening() {
    // A batch of 1,024 costs a few milliseconds once per 1,024 new sockets at the most; smaller
    // batches scatter more (256: RSS after 8,000 streams 25 MB instead of 19).
    constexpr std::size_t batch = 1024;
    if (++open_ < next_batch_at_) return;  // below the highest count so far the records exist
    make_records(io_, batch);
    next_batch_at_ = open_ + batch;
  }
  void closed() {
    if (open_ > 0) --open_;
  }

 private:
  void shutdown() override {}

  asio::io_context& io_;
  std::size_t open_ = 0;
  std::size_t next_batch_at_ = 0;
};

asio::io_context::id OpenSockets::id;

}  // namespace

void socket_opening(asio::io_context& io) { asio::use_service<OpenSockets>(io).opening(); }
void socket_closed(asio::io_context& io) { asio::use_service<OpenSockets>(io).closed(); }

}  // namespace chatrelay
