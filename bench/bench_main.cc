// The one main of rpbench_bench; each part's bench file registers its benchmarks.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
