// Keeps the per-socket records asio allocates side by side in memory, through its public API.
//
// asio's reactor allocates a record (~170 bytes) the first time it has more sockets registered
// than ever before, and keeps it for reuse when the socket closes: a pool it never frees. Made one
// at a time as connections arrive, each record lands between that connection's own allocations;
// once a burst is over, every record pins the page around it and the heap cannot be trimmed (the
// resident size stays a few times the warm idle's; bench/RESULTS.md). So each time the count of
// open sockets passes its highest mark, a batch of records is made at once, side by side, ahead
// of the sockets that will reuse them.
//
// Only public API: the batch is made by registering descriptors of /dev/null with asio (epoll
// refuses them, asio accepts that) and closing them again. Nothing is read from asio's insides:
// should asio stop pooling records, this only stops helping.
#pragma once

namespace asio {
class io_context;
}

namespace chatrelay {

// Call before a socket is opened on `io` (or right after it was accepted).
void socket_opening(asio::io_context& io);
// Call once that socket is closed.
void socket_closed(asio::io_context& io);

}  // namespace chatrelay
