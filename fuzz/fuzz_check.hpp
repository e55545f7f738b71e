// FUZZ_CHECK: an invariant of a fuzz target; on failure prints what broke and aborts, so libFuzzer
// saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                               \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #cond, what);                                                             \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
