// Keeps asio's per-socket reactor records together in memory.
//
// asio's epoll reactor allocates one record (~170 bytes) for every socket it registers and keeps
// freed records in a pool that it never returns. Allocated one at a time as connections arrive,
// each record lands among its connection's own allocations; once a burst of streams has ended,
// every record in the pool pins the page around it, and glibc cannot give those pages back (RSS
// stayed at 7x idle after 8,000 streams, with ~1 MB actually in use). Growing the pool in
// batches, ahead of the sockets that will use the records, keeps them side by side.
#pragma once

#include <cstddef>

#include "chatrelay/core/asio.hpp"

namespace chatrelay::http {

// Makes sure asio's pool holds at least `n` free records: free ones are taken first, the rest are
// allocated in a row (each costs a dup(2) and an epoll_ctl(2)). Stops short, leaving 256 file
// descriptors free, when the process is near its open-file limit. Returns how many it held.
std::size_t add_reactor_records(asio::io_context& io, std::size_t n);

}  // namespace chatrelay::http
