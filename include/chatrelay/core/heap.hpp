// Handing memory freed by a burst back to the OS.
#pragma once

namespace chatrelay {

// Gives back to the OS the pages of the heap that hold nothing in use, including the ones that
// glibc's per-thread cache of freed blocks (tcache) would keep: malloc_trim(3) alone leaves
// those, up to 7 blocks of each size up to 1 KiB, and after a burst of streams they lie scattered
// over as many pages (~1.5 MB after 8,000 streams). Costs two walks of the free lists; call it
// when the process has gone quiet, from the thread that did the work.
void give_back_free_memory();

}  // namespace chatrelay
