// The driver's overhead per operation with the `null` engine: choose the op, generate the key
// (and value), call the engine, take the timestamps, classify and record the latency — the whole
// closed-loop path of Driver::run_ops_phase, on one thread. The README quotes the figure.
#include <benchmark/benchmark.h>

#include "engines/registry.h"
#include "harness/config/experiment.h"
#include "harness/config/loader.h"
#include "harness/driver.h"

namespace rpbench {
namespace {

nlohmann::json bench_config(uint64_t ops, const char* mix_json, const char* dist) {
  nlohmann::json cfg = {
      {"name", "bench-driver"},
      {"engine", {{"type", "null"}}},
      {"dataset", {{"keys", 1000000}}},
      {"workload", {{"keys", {{"dist", dist}}}, {"mix", nlohmann::json::parse(mix_json)}}},
      {"measure", {{"progress", "off"}}},
      {"phases", {{{"type", "run"}, {"ops", ops}}}},
  };
  return config::resolve_config(cfg);
}

// One iteration = one whole run phase of `ops` operations; the reported time per op is the
// driver's overhead (the null engine returns at once).
void run_phase(benchmark::State& state, const char* mix_json, const char* dist) {
  const uint64_t ops = 2'000'000;
  const ExperimentConfig cfg = make_experiment(bench_config(ops, mix_json, dist));
  auto engine = find_engine("null")->open(EngineOpenArgs{cfg.resolved.at("engine"), cfg.resolved, cfg.seed});
  if (!engine.ok()) {
    state.SkipWithError(engine.status().message().c_str());
    return;
  }
  for (auto _ : state) {
    Result result;
    Driver driver(cfg, **engine);
    if (const Status st = driver.run(result); !st.ok()) state.SkipWithError(st.message().c_str());
    benchmark::DoNotOptimize(result.phases.back().ops);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ops));
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(state.iterations() * ops),
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Reads only, and 50:50 read/update (updates also fill a 100-byte value), with uniform keys
// (the cheapest key generator) and zipfian keys (theta 0.99).
void BM_DriverOverhead_NullEngine_Read_Uniform(benchmark::State& state) {
  run_phase(state, R"({"read": 1})", "uniform");
}
void BM_DriverOverhead_NullEngine_Read_Zipfian(benchmark::State& state) {
  run_phase(state, R"({"read": 1})", "zipfian");
}
void BM_DriverOverhead_NullEngine_ReadUpdate_Uniform(benchmark::State& state) {
  run_phase(state, R"({"read": 0.5, "update": 0.5})", "uniform");
}
void BM_DriverOverhead_NullEngine_ReadUpdate_Zipfian(benchmark::State& state) {
  run_phase(state, R"({"read": 0.5, "update": 0.5})", "zipfian");
}
BENCHMARK(BM_DriverOverhead_NullEngine_Read_Uniform)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_DriverOverhead_NullEngine_Read_Zipfian)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_DriverOverhead_NullEngine_ReadUpdate_Uniform)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_DriverOverhead_NullEngine_ReadUpdate_Zipfian)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace rpbench
