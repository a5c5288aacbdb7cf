// Microbenchmarks of mempool-offload's pool allocator against glibc malloc, on the store's size mix
// (a 24-byte entry, a 4+16-byte key and a 4+value-byte value per key, values from the quick
// experiment's buckets: 70% 80-128, 20% 129-256, 10% 257-1024 bytes), and of the store on it.
//
// Target (issue 15): allocation and free for the store's mix within 1.2x of glibc malloc's time.
//   BM_AllocMix/malloc vs BM_AllocMix/pool: allocate 1 M keys' blocks, then churn: free a random
//   key's three blocks and allocate three new ones (an update-heavy steady state), 1 M times. The
//   pool's counter "vs_malloc" is its time over malloc's, measured in the same run.
//   BM_PoolKvstoreLoad: the store's load on the pool, next to BM_KvstoreLoad (malloc).
//   rpbench_bench --benchmark_filter='AllocMix|KvstoreLoad'
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <vector>

#include "engines/kvstore/kvstore_alloc.h"
#include "engines/mempool_offload/pool_heap.h"
#include "engines/mempool_offload/pool_store.h"
#include "workloads/keys.h"
#include "workloads/rng.h"
#include "workloads/values.h"

namespace rpbench::mempool {
namespace {

constexpr uint64_t kKeys = 1'000'000;
constexpr uint64_t kPoolBase = 0x4d0000000000ull;
constexpr uint64_t kPoolBytes = 8ull << 30;

size_t value_bytes(uint64_t r) {
  const uint64_t p = r % 100;
  const uint64_t x = r >> 8;
  if (p < 70) return 80 + x % 49;
  if (p < 90) return 129 + x % 128;
  return 257 + x % 768;
}

struct Blocks {
  void* p[3];
  size_t n[3];
};

// One run of the mix with allocator `a`; its wall time in ns.
template <class Alloc>
double run_mix(Alloc& a) {
  std::vector<Blocks> keys(kKeys);
  workloads::Rng rng(42);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& k : keys) {
    k.n[0] = 24;
    k.n[1] = 20;
    k.n[2] = 4 + value_bytes(rng.next());
    for (int j = 0; j < 3; ++j) k.p[j] = a.allocate(k.n[j]);
  }
  for (uint64_t i = 0; i < kKeys; ++i) {
    Blocks& k = keys[rng.next() % kKeys];
    for (int j = 0; j < 3; ++j) a.deallocate(k.p[j], k.n[j]);
    k.n[2] = 4 + value_bytes(rng.next());
    for (int j = 0; j < 3; ++j) k.p[j] = a.allocate(k.n[j]);
  }
  for (auto& k : keys)
    for (int j = 0; j < 3; ++j) a.deallocate(k.p[j], k.n[j]);
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
}

void BM_AllocMix(benchmark::State& state) {
  const bool pool = state.range(0) == 1;
  double pool_ns = 0, malloc_ns = 0;
  for (auto _ : state) {
    state.PauseTiming();
    StatusOr<PoolMapping> m = PoolMapping::reserve(kPoolBase, kPoolBytes);
    if (!m.ok()) {
      state.SkipWithError(m.status().to_string().c_str());
      return;
    }
    PoolAlloc pa{init_pool(m->data(), kPoolBytes, 1)};
    kvstore::MallocAlloc ma;
    state.ResumeTiming();
    // Both in every iteration, in the same order, so the ratio is of one run.
    const double a = run_mix(ma);
    const double b = run_mix(pa);
    malloc_ns += a;
    pool_ns += b;
    state.SetIterationTime((pool ? b : a) / 1e9);
  }
  state.counters["vs_malloc"] = pool_ns / malloc_ns;
  state.counters["ns_per_op"] =
      (pool ? pool_ns : malloc_ns) / static_cast<double>(state.iterations()) / static_cast<double>(kKeys * 3 * 2 * 2);
}
BENCHMARK(BM_AllocMix)->ArgName("pool")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(3);

void BM_PoolKvstoreLoad(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  char key[16];
  char value[100];
  for (auto _ : state) {
    state.PauseTiming();
    StatusOr<PoolStore> s = PoolStore::create(kPoolBase, kPoolBytes, false);
    if (!s.ok()) {
      state.SkipWithError(s.status().to_string().c_str());
      return;
    }
    state.ResumeTiming();
    for (uint64_t i = 0; i < n; ++i) {
      workloads::make_key(i, 16, key);
      workloads::fill_value(i, 0, 42, value, 100);
      (void)s->put(std::string_view(key, 16), std::string_view(value, 100));
    }
    benchmark::DoNotOptimize(s->kv().size());
    state.PauseTiming();
    *s = PoolStore();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_PoolKvstoreLoad)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace rpbench::mempool
