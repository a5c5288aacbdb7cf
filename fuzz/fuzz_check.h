// FUZZ_CHECK: an invariant of the code under test that a fuzz target checks on every input; when
// it does not hold, the target prints what failed and aborts, which libFuzzer reports as a crash
// (and saves the input). Unlike assert(), it is never compiled out.
#pragma once
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
