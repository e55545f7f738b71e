// Process limits set at start-up: open files as many as allowed, no core dumps.
#pragma once

#include <cstddef>
#include <cstdint>

namespace chatrelay {

struct FileLimit {
  std::uint64_t soft = 0;  // in force now
  std::uint64_t hard = 0;
  int error = 0;           // errno of a failed getrlimit/setrlimit, else 0
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit (distributions start processes at 1024
// while allowing far more) and returns the limits in force afterwards.
FileLimit raise_file_limit();

// Descriptors the server may need at its busiest: one per client connection, one upstream
// connection per stream (every connection may stream), the idle upstream pool, and a margin for
// listeners, the event loop, standard streams and name lookups.
std::uint64_t files_needed(std::size_t max_connections, std::size_t upstream_pool);

// Sets RLIMIT_CORE's soft limit to 0: a core file would hold the API key and whatever users
// sent. Returns errno on failure, else 0. The process stays dumpable (ptrace, /proc/PID/*):
// monitoring reads it.
int disable_core_dumps();

}  // namespace chatrelay
