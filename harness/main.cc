// rpbench: a thin main. Everything is in cli_main; no exception escapes it.
#include <cstdio>
#include <exception>

#include "harness/cli.h"

int main(int argc, char** argv) {
  try {
    return rpbench::cli_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rpbench: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "rpbench: internal error\n");
  }
  return 1;
}
