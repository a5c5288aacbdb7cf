// Microbenchmarks of the measurement hot paths: what recording a latency, reading the clock and
// asking the pacer for the next intended start cost. No main: linked into rpbench_bench.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "measure/clock.h"
#include "measure/histogram.h"
#include "measure/pacer.h"
#include "measure/timeline.h"

namespace rpbench::measure {
namespace {

// Latencies spread over many buckets (lognormal around ~20 us), pre-generated.
std::vector<uint64_t> sample_latencies() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(10, 1.5);
  std::vector<uint64_t> v(1 << 16);
  for (auto& x : v) x = static_cast<uint64_t>(d(rng));
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = sample_latencies();
  Histogram h(static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord)->Arg(7)->Arg(5);

void BM_TimelineRecord(benchmark::State& state) {
  const auto values = sample_latencies();
  Timeline tl(0, 10'000'000);
  uint64_t t = 0;
  size_t i = 0;
  for (auto _ : state) {
    tl.record(t, values[i++ & (values.size() - 1)]);
    t += 1'000;  // 1 us apart: a new 10 ms interval every 10,000 ops
  }
  benchmark::DoNotOptimize(tl.intervals());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimelineRecord);

void BM_NowNs(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(now_ns());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NowNs);

void BM_PacerNext(benchmark::State& state) {
  Pacer p(1e6, state.range(0) == 0 ? Arrival::kUniform : Arrival::kPoisson, 1, 0);
  for (auto _ : state) benchmark::DoNotOptimize(p.next_intended_ns());
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) == 0 ? "uniform" : "poisson");
}
BENCHMARK(BM_PacerNext)->Arg(0)->Arg(1);

}  // namespace
}  // namespace rpbench::measure
