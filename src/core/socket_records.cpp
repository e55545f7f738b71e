#include "chatrelay/core/socket_records.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/version.hpp>
#include <cstddef>
#include <vector>

// With asio 1.22.1 (Debian 12's) and its epoll reactor, chatrelay works on the pool itself, which
// is private: records are added to it in a row and deleted from it once a burst is over. With any
// other asio, records are added by registering descriptors of /dev/null, and kept, as asio does.
#if ASIO_VERSION == 102201 && defined(ASIO_HAS_EPOLL) && !defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#define CHATRELAY_OWNS_SOCKET_RECORDS 1
#include <asio/detail/scheduler.hpp>
#include <asio/steady_timer.hpp>
#endif

namespace chatrelay {
namespace {

#ifdef CHATRELAY_OWNS_SOCKET_RECORDS
using asio::detail::epoll_reactor;
using Record = epoll_reactor::descriptor_state;
using Mutex = asio::detail::conditionally_enabled_mutex;
using Access = asio::detail::object_pool_access;

using SteadyTraits = asio::detail::chrono_time_traits<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>>;
using TimerService = asio::detail::deadline_timer_service<SteadyTraits>;

// Names of private members may appear in an explicit instantiation ([temp.spec.general]/6), so a
// template instantiated with pointers to them can hand them out: the head of the reactor's list
// of free records, the mutexes that guard its pool and its timer queues, and the vector that
// holds the steady timers' queue.
struct Reach {
  friend Record*& free_records(Reach, epoll_reactor& r);
  friend Mutex& records_mutex(Reach, epoll_reactor& r);
  friend Mutex& timers_mutex(Reach, epoll_reactor& r);
  friend void shrink_timer_queue(Reach, TimerService& s);
};
template <auto Pool, auto FreeList, auto PoolMutex, auto TimersMutex, auto Queue, auto Heap>
struct Grant {
  friend Record*& free_records(Reach, epoll_reactor& r) { return (r.*Pool).*FreeList; }
  friend Mutex& records_mutex(Reach, epoll_reactor& r) { return r.*PoolMutex; }
  friend Mutex& timers_mutex(Reach, epoll_reactor& r) { return r.*TimersMutex; }
  friend void shrink_timer_queue(Reach, TimerService& s) { ((s.*Queue).*Heap).shrink_to_fit(); }
};
template struct Grant<&epoll_reactor::registered_descriptors_, &asio::detail::object_pool<Record>::free_list_,
                      &epoll_reactor::registered_descriptors_mutex_, &epoll_reactor::mutex_,
                      &TimerService::timer_queue_, &asio::detail::timer_queue<SteadyTraits>::heap_>;

// Makes sure the pool holds at least `n` free records; the new ones are allocated in a row.
void add_records(asio::io_context& io, std::size_t n) {
  auto& reactor = asio::use_service<epoll_reactor>(io);
  // What asio passes when it allocates a record itself.
  const bool locking = ASIO_CONCURRENCY_HINT_IS_LOCKING(
      REACTOR_IO, asio::use_service<asio::detail::scheduler>(io).concurrency_hint());
  Mutex::scoped_lock lock(records_mutex(Reach{}, reactor));
  Record*& head = free_records(Reach{}, reactor);
  for (Record* r = head; r != nullptr && n > 0; r = Access::next(r)) --n;
  for (; n > 0; --n) {
    Record* r = Access::create<Record>(locking);
    Access::next(r) = head;
    Access::prev(r) = nullptr;
    head = r;
  }
}

void delete_free_records(asio::io_context& io) {
  auto& reactor = asio::use_service<epoll_reactor>(io);
  Mutex::scoped_lock lock(records_mutex(Reach{}, reactor));
  Record*& head = free_records(Reach{}, reactor);
  while (Record* r = head) {
    head = Access::next(r);
    Access::destroy(r);
  }
}

// The steady timers' queue is a vector that keeps the room its busiest moment needed (16 bytes a
// timer: 256 KB after 8,000 streams, each with two deadlines).
void shrink_timer_queue(asio::io_context& io) {
  auto& reactor = asio::use_service<epoll_reactor>(io);
  Mutex::scoped_lock lock(timers_mutex(Reach{}, reactor));
  shrink_timer_queue(Reach{}, asio::use_service<TimerService>(io));
}
#else
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
#endif

// The count of open sockets, one per io_context.
class Records : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  explicit Records(asio::io_context& io) : service(io), io_(io) {}

  void opening() {
    // A batch of 1,024 records takes well under a millisecond straight into asio's pool (a few
    // through /dev/null descriptors); smaller batches scatter more (256: RSS after 8,000 streams
    // 25 MB instead of 19, when the records were kept).
    constexpr std::size_t batch = 1024;
    if (++open_ < next_reserve_at_) return;  // below the highest count so far the records exist
    add_records(io_, batch);
    next_reserve_at_ = open_ + batch;
  }
  void closed() {
    if (open_ > 0) --open_;
  }
  void release() {
#ifdef CHATRELAY_OWNS_SOCKET_RECORDS
    // All of them: the ones freed last lie scattered over the burst's pages, and kept, they would
    // pin those pages. The next socket opened reserves a new batch, in a row.
    delete_free_records(io_);
    next_reserve_at_ = open_;
    shrink_timer_queue(io_);
#endif
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
void release_socket_records(asio::io_context& io) { asio::use_service<Records>(io).release(); }

}  // namespace chatrelay
