// Keeps asio's per-socket reactor records together in memory, and frees them after a burst.
//
// asio's epoll reactor allocates one record (~170 bytes) for every socket it registers and keeps
// freed records in a pool that it never returns. Allocated one at a time as sockets open, each
// record lands among its stream's own allocations; once a burst of streams has ended, every
// record pins the page around it, and glibc cannot give those pages back (RSS stayed at 7x idle
// after 8,000 streams, with ~1 MB actually in use). Growing the pool in batches, ahead of the
// sockets that will use the records, keeps them side by side.
//
// Every socket counts, accepted or connected: a chat stream holds two (the browser's and the
// upstream one), and records taken by upstream sockets outside the batches pinned pages too.
//
// Once the burst is over, release_socket_records() deletes the spare records that asio would keep
// until the process ends (~3 MB after 8,000 streams), and gives back the room asio's timer queue
// kept for its busiest moment.
#pragma once

namespace asio {
class io_context;
}

namespace chatrelay {

// Call before a socket is opened (or right after it was accepted): when the sockets open on `io`
// pass their highest count so far, asio's pool grows by a batch of records.
void socket_opening(asio::io_context& io);
// Call once the socket is closed.
void socket_closed(asio::io_context& io);
// Deletes the records asio keeps for sockets no longer open and shrinks its steady-timer queue to
// the timers waiting now, so that the memory a burst of streams took can go back to the OS (with
// asio 1.22.1's epoll reactor; a no-op otherwise). The next socket opened reserves a new batch.
// Call it only from the completion of a timer on `io`, run by one thread: asio completes timers
// after every socket event it picked up with them, so no pending event points at a record then.
void release_socket_records(asio::io_context& io);

}  // namespace chatrelay
