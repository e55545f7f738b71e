#include "chatrelay/core/heap.hpp"

#include <malloc.h>

#include <array>
#include <cstddef>
#include <cstdlib>

namespace chatrelay {
namespace {

// glibc's tcache: sizes up to 1,032 bytes in steps of 16, at most 7 blocks each (its defaults).
constexpr std::size_t cached_sizes = 64;
constexpr std::size_t cached_per_size = 7;
using Blocks = std::array<std::array<void*, cached_per_size>, cached_sizes>;

std::size_t request_size(std::size_t i) { return 24 + 16 * i; }  // fills the i-th cached size

void take_each_size(Blocks& blocks) {
  for (std::size_t i = 0; i < cached_sizes; ++i)
    for (auto& b : blocks[i]) b = std::malloc(request_size(i));
}

void give_back(Blocks& blocks) {
  for (auto& size : blocks)
    for (void* b : size) std::free(b);
}

}  // namespace

void give_back_free_memory() {
#if defined(__GLIBC__)
  // 1. Empty the cache: what it held is now ours (`cached`), wherever it lies.
  // 2. Trim: merges the free blocks and unmaps the pages inside them.
  // 3. Refill the cache with fresh blocks: taken from the merged free space, best fit first, so
  //    from small gaps in pages still in use rather than from pages that were just given back.
  // 4. Free the blocks that were cached: the cache is full, so they go to the free lists, and
  //    5. the second trim gives their pages back too.
  static Blocks cached, fresh;  // static: 7 KiB that must not come from the heap being trimmed
  take_each_size(cached);
  malloc_trim(0);
  take_each_size(fresh);
  give_back(fresh);
  give_back(cached);
  malloc_trim(0);
#endif
}

}  // namespace chatrelay
