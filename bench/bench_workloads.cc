// Cost of the workload generators: one sample of each key distribution, OpStream::next with a
// typical mix, value sizing and filling, zipfian set_n, and zipfian setup at 1e9 and 1e10 items
// (an alias table over the head ranks, independent of n: not YCSB's O(n) zeta sum). Targets
// (release build, one thread): <= 25 ns per sample and per op, fill_value >= 2 GB/s, zipfian
// setup for 1e9 keys < 10 ms, set_n a few hundred ns at most.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "workloads/key_generator.h"
#include "workloads/keys.h"
#include "workloads/op_stream.h"
#include "workloads/values.h"
#include "workloads/zipfian.h"

namespace rpbench::workloads {
namespace {

const char* const kDistributions[] = {"uniform", "sequential", "zipfian", "scrambled-zipfian", "hotspot", "latest"};

// Arg 0: index into kDistributions; arg 1: key count.
void BM_KeyGenerator(benchmark::State& state) {
  KeySpec spec;
  spec.dist = kDistributions[state.range(0)];
  auto gen = make_key_generator(spec, static_cast<uint64_t>(state.range(1)), 1);
  for (auto _ : state) {
    const uint64_t item = gen->next();
    benchmark::DoNotOptimize(gen->scramble(item));
  }
  state.SetLabel(std::string(spec.dist) + " n=" + std::to_string(state.range(1)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyGenerator)->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1'000'000, 10'000'000'000LL}});

void BM_ZipfianSample(benchmark::State& state) {
  ZipfianSampler sampler(static_cast<uint64_t>(state.range(0)), static_cast<double>(state.range(1)) / 100.0);
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(sampler.sample(rng));
  state.SetLabel("theta=" + std::to_string(static_cast<double>(state.range(1)) / 100.0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZipfianSample)->ArgsProduct({{1'000'000}, {50, 99, 100, 120, 300}});

// set_n as the latest generator calls it on every insert (n past the alias table's ranks).
void BM_ZipfianSetN(benchmark::State& state) {
  ZipfianSampler sampler(10'000'000, 0.99);
  uint64_t n = 10'000'000;
  for (auto _ : state) {
    sampler.set_n(++n);
    benchmark::DoNotOptimize(sampler);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZipfianSetN);

void BM_ZipfianSetup(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    ZipfianSampler sampler(n, 0.99);
    benchmark::DoNotOptimize(sampler);
  }
}
BENCHMARK(BM_ZipfianSetup)->Arg(1'000'000'000)->Arg(10'000'000'000LL);

// Generator construction as OpStream does it (includes the scrambling permutation).
void BM_KeyGeneratorSetup(benchmark::State& state) {
  KeySpec spec;
  spec.dist = "scrambled-zipfian";
  for (auto _ : state) benchmark::DoNotOptimize(make_key_generator(spec, static_cast<uint64_t>(state.range(0)), 1));
}
BENCHMARK(BM_KeyGeneratorSetup)->Arg(1'000'000'000)->Arg(10'000'000'000LL);

// Arg 0: index into kDistributions. Mix 75% read, 20% update, 5% insert; contest value sizes.
void BM_OpStreamNext(benchmark::State& state) {
  WorkloadSpec spec;
  spec.key_count = 10'000'000;
  spec.keys.dist = kDistributions[state.range(0)];
  spec.mix = {0.75, 0.20, 0.05, 0, 0};
  spec.value_size.dist = "buckets";
  spec.value_size.buckets = {{80, 128, 0.7}, {129, 256, 0.2}, {257, 1024, 0.1}};
  OpStream stream(spec, 0, 1);
  for (auto _ : state) benchmark::DoNotOptimize(stream.next());
  state.SetLabel(spec.keys.dist);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpStreamNext)->DenseRange(0, 5);

void BM_ValueSize(benchmark::State& state) {
  ValueSizeSpec spec;
  spec.dist = "buckets";
  spec.buckets = {{80, 128, 0.7}, {129, 256, 0.2}, {257, 1024, 0.1}};
  ValueSizer sizer(spec, 1);
  uint64_t key = 0;
  for (auto _ : state) benchmark::DoNotOptimize(sizer.size_for(key++, 1));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValueSize);

void BM_MakeKey(benchmark::State& state) {
  char key[16];
  uint64_t id = 0;
  for (auto _ : state) {
    make_key(id++, sizeof key, key);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MakeKey);

void BM_FillValue(benchmark::State& state) {
  std::vector<char> buf(static_cast<size_t>(state.range(0)));
  uint64_t version = 0;
  for (auto _ : state) {
    fill_value(7, version++, 1, buf.data(), buf.size());
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FillValue)->Arg(100)->Arg(1024)->Arg(64 << 10);

}  // namespace
}  // namespace rpbench::workloads
