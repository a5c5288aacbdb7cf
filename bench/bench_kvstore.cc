// Microbenchmarks of the kvstore (the Redis-shaped store of the fork-based engines).
//
// Targets (../shared/DESIGN.md "Honest numbers": each prints its ratio against the target and against a
// baseline measured in the same run):
//   load    >= 1.5 M keys/s on one thread, 16-byte keys, 100-byte values      (BM_KvstoreLoad)
//   get/put >= 3 M ops/s on one thread on a loaded 10 M-key store, zipfian keys (theta 0.99)
//            (BM_KvstoreGetZipfian / PutZipfian; thp:0 with the system's default pages, thp:1
//            with the store advised onto transparent huge pages as the engine's thp=madvise does)
// The store runs without digest tracking, as the rdb-fork engine uses it.
// Baselines: std::unordered_map<std::string, std::string> doing the same work.
//   rpbench_bench --benchmark_filter='Kvstore|UnorderedMap'
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/kvstore/thp_policy.h"
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
  state.counters["target_ratio"] = benchmark::Counter(static_cast<double>(items) / target, benchmark::Counter::kIsRate);
}

void BM_KvstoreLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    KvStore s;
    s.set_track_digest(false);  // as the rdb-fork engine runs it
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

// Zipfian key sequence over [0, n): precomputed so the loop measures the store, not the sampler;
// one flat buffer of count * kKeySize bytes (one large allocation, which does not pin the heap
// between two loaded stores).
class ZipfianKeys {
 public:
  ZipfianKeys(uint64_t n, size_t count) : count_(count), bytes_(count * kKeySize) {
    workloads::ZipfianSampler z(n, 0.99);
    workloads::Rng rng(kSeed);
    // Ranks spread over the id space (as a scrambled zipfian), so hot keys are not the first loaded.
    for (size_t i = 0; i < count; ++i)
      workloads::make_key(workloads::mix64(z.sample(rng)) % n, kKeySize, &bytes_[i * kKeySize]);
  }
  std::string_view operator[](size_t i) const { return {&bytes_[(i % count_) * kKeySize], kKeySize}; }

 private:
  size_t count_;
  std::vector<char> bytes_;
};

// The loaded map of the zipfian benchmarks, built on first use and kept until a benchmark needs
// a different one (a benchmark fixture: building 10 M keys takes seconds, and only one such
// store is alive at a time to bound memory).
struct LoadedStores {
  std::unique_ptr<KvStore> store;
  std::unique_ptr<std::unordered_map<std::string, std::string>> map;
  std::unique_ptr<kvstore::ThpPolicy> thp;
  uint64_t n = 0;
  bool huge = false;
};
LoadedStores& loaded_stores() {
  static LoadedStores s;
  return s;
}

// A KvStore of n keys; with `huge`, loaded under the rdb-fork engine's thp=madvise policy
// (heap advised MADV_HUGEPAGE as it grows), so its pages can be transparent huge pages.
KvStore& loaded_store(uint64_t n, bool huge) {
  LoadedStores& c = loaded_stores();
  if (!c.store || c.n != n || c.huge != huge) {
    c.store.reset();
    c.map.reset();
    c.thp.reset();
    ::malloc_trim(0);  // the next store starts on fresh pages, not on the previous one's free lists
    if (huge) {
      c.thp = std::make_unique<kvstore::ThpPolicy>(kvstore::ThpMode::kMadvise);
      (void)c.thp->apply();  // madvise mode does not fail; a refused advice shows in the figures
    }
    c.store = std::make_unique<KvStore>();
    c.store->set_track_digest(false);  // as the rdb-fork engine runs it (Redis keeps no digest)
    char key[kKeySize];
    char value[kValueSize];
    uint64_t resizes = 0;
    for (uint64_t i = 0; i < n; ++i) {
      workloads::make_key(i, kKeySize, key);
      workloads::fill_value(i, 0, kSeed, value, kValueSize);
      c.store->put(std::string_view(key, kKeySize), std::string_view(value, kValueSize));
      if (c.thp) {  // as RdbForkEngine::put does
        if (c.store->resizes_started() != resizes) {
          resizes = c.store->resizes_started();
          c.thp->advise();
        }
        c.thp->advise_if_heap_grew();
      }
    }
    // Settle the table: finish the incremental rehash the last growth started (Redis's
    // activerehashing does that in idle time), so the loop measures lookups, not rehash steps.
    while (c.store->rehash_steps(1000)) {}
    c.n = n;
    c.huge = huge;
  }
  return *c.store;
}

std::unordered_map<std::string, std::string>& loaded_map(uint64_t n) {
  LoadedStores& c = loaded_stores();
  if (!c.map || c.n != n) {
    c.store.reset();
    c.thp.reset();
    ::malloc_trim(0);
    c.map = std::make_unique<std::unordered_map<std::string, std::string>>();
    load(*c.map, n);
    c.n = n;
    c.huge = false;
  }
  return *c.map;
}

constexpr size_t kKeySequence = 1u << 20;

// Baseline first, on the process's default pages (before any store is advised onto huge pages).
void BM_UnorderedMapGetZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  auto& m = loaded_map(n);
  const ZipfianKeys keys(n, kKeySequence);
  std::string key;
  std::string out;
  size_t i = 0;
  for (auto _ : state) {
    key.assign(keys[i++]);  // reuses its capacity: no allocation per lookup
    auto it = m.find(key);
    if (it != m.end()) out.assign(it->second);
    benchmark::DoNotOptimize(out.data());
  }
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_UnorderedMapGetZipfian)->Arg(10'000'000);

void BM_KvstoreGetZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  KvStore& s = loaded_store(n, state.range(1) != 0);
  const ZipfianKeys keys(n, kKeySequence);
  std::string out;
  size_t i = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    hits += s.get(keys[i++], &out);
    benchmark::DoNotOptimize(out.data());
  }
  if (hits != static_cast<uint64_t>(state.iterations())) state.SkipWithError("a loaded key was not found");
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_KvstoreGetZipfian)->ArgNames({"keys", "thp"})->Args({10'000'000, 0});

void BM_KvstorePutZipfian(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  KvStore& s = loaded_store(n, state.range(1) != 0);
  const ZipfianKeys keys(n, kKeySequence);
  std::string value = workloads::make_value(1, 1, kSeed, kValueSize);
  size_t i = 0;
  for (auto _ : state) {
    value[0] = static_cast<char>(i);
    s.put(keys[i++], value);
  }
  report_rate(state, state.iterations(), kOpTarget);
}
BENCHMARK(BM_KvstorePutZipfian)->ArgNames({"keys", "thp"})->Args({10'000'000, 0});
// The same with the store on transparent huge pages (thp=madvise): fewer TLB misses per lookup.
BENCHMARK(BM_KvstoreGetZipfian)->ArgNames({"keys", "thp"})->Args({10'000'000, 1});
BENCHMARK(BM_KvstorePutZipfian)->ArgNames({"keys", "thp"})->Args({10'000'000, 1});

}  // namespace
}  // namespace rpbench::kvstore
