// Microbenchmarks of the kvstore (the Redis-shaped store of the fork-based engines).
//
// Targets (DESIGN.md "Honest numbers": each prints its ratio against the target and against a
// baseline measured in the same run):
//   load    >= 1.5 M keys/s on one thread, 16-byte keys, 100-byte values      (BM_KvstoreLoad)
//   get/put >= 3 M ops/s on one thread on a loaded 10 M-key store, zipfian keys (theta 0.99)
//                                                              (BM_KvstoreGetZipfian / PutZipfian)
// Baselines: std::unordered_map<std::string, std::string> doing the same work.
//   rpbench_bench --benchmark_filter='Kvstore|UnorderedMap'
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "workloads/keys.h"
#include "workloads/rng.h"
#include "workloads/values.h"
#include "workloads/zipfian.h"

namespace rpbench::kvstore {
namespace {

constexpr uint32_t kKeySize = 16;
constexpr size_t kValueSize = 100;
constexpr double kLoadTarget = 1.5e6;
constexpr double kOpTarget = 3e6;
constexpr uint64_t kSeed = 42;

template <class Map>
void load(Map& m, uint64_t n) {
  char key[kKeySize];
  char value[kValueSize];
  for (uint64_t i = 0; i < n; ++i) {
    workloads::make_key(i, kKeySize, key);
    workloads::fill_value(i, 0, kSeed, value, kValueSize);
    if constexpr (std::is_same_v<Map, KvStore>) {
      m.put(std::string_view(key, kKeySize), std::string_view(value, kValueSize));
    } else {
      m.insert_or_assign(std::string(key, kKeySize), std::string(value, kValueSize));
    }
  }
}

void report_rate(benchmark::State& state, uint64_t items, double target) {
  state.SetItemsProcessed(static_cast<int64_t>(items));
  state.counters["target_ratio"] =
      benchmark::Counter(static_cast<double>(items) / target, benchmark::Counter::kIsRate);
}

void BM_KvstoreLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    KvStore s;
    load(s, n);
    benchmark::DoNotOptimize(s.size());
    state.PauseTiming();
    s.clear();
    state.ResumeTiming();
  }
  report_rate(state, state.iterations() * n, kLoadTarget);
}
BENCHMARK(BM_KvstoreLoad)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_UnorderedMapLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    std::unordered_map<std::string, std::string> m;
    load(m, n);
    benchmark::DoNotOptimize(m.size());
    state.PauseTiming();
    m.clear();
    state.ResumeTiming();
  }
  report_rate(state, state.iterations() * n, kLoadTarget);
}
BENCHMARK(BM_UnorderedMapLoad)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Zipfian key sequence over [0, n): precomputed so the loop measures the store, not the sampler.
std::vector<std::string> zipfian_keys(uint64_t n, size_t count) {
  workloads::ZipfianSampler z(n, 0.99);
  workloads::Rng rng(kSeed);
  std::vector<std::string> keys;
  keys.reserve(count);
  // Ranks spread over the id space (as a scrambled zipfian), so hot keys are not the first loaded.
  for (size_t i = 0; i < count; ++i) keys.push_back(workloads::make_key(workloads::mix64(z.sample(rng)) % n, kKeySize));
  return keys;
}

// One loaded store per key count, built on first use and kept for the process's life (a
// benchmark fixture: building 10 M keys takes seconds).
template <class Map>
Map& loaded(uint64_t n) {
  static std::unique_ptr<Map> m;
  static uint64_t loaded_n = 0;
  if (!m || loaded_n != n) {
    m = std::make_unique<Map>();
    load(*m, n);
    loaded_n = n;
  }
  return *m;
}

constexpr size_t kKeySequence = 1u << 20;

void BM_KvstoreGetZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  KvStore& s = loaded<KvStore>(n);
  const std::vector<std::string> keys = zipfian_keys(n, kKeySequence);
  std::string out;
  size_t i = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    hits += s.get(keys[i++ & (kKeySequence - 1)], &out);
    benchmark::DoNotOptimize(out.data());
  }
  if (hits != static_cast<uint64_t>(state.iterations())) state.SkipWithError("a loaded key was not found");
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_KvstoreGetZipfian)->Arg(10'000'000);

void BM_KvstorePutZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  KvStore& s = loaded<KvStore>(n);
  const std::vector<std::string> keys = zipfian_keys(n, kKeySequence);
  std::string value = workloads::make_value(1, 1, kSeed, kValueSize);
  size_t i = 0;
  for (auto _ : state) {
    value[0] = static_cast<char>(i);
    s.put(keys[i++ & (kKeySequence - 1)], value);
  }
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_KvstorePutZipfian)->Arg(10'000'000);

void BM_UnorderedMapGetZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  auto& m = loaded<std::unordered_map<std::string, std::string>>(n);
  const std::vector<std::string> keys = zipfian_keys(n, kKeySequence);
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    auto it = m.find(keys[i++ & (kKeySequence - 1)]);
    if (it != m.end()) out.assign(it->second);
    benchmark::DoNotOptimize(out.data());
  }
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_UnorderedMapGetZipfian)->Arg(10'000'000);

}  // namespace
}  // namespace rpbench::kvstore
