// Microbenchmark of the RDB writer (engines/rdb): a loaded store of 1 M keys (16-byte keys,
// 100-byte values, as BM_KvstoreLoad) serialized into the memory sink: the "stream serialized into
// memory" baseline the snapshot engines quote (no disk, no network: traversal of the store, the
// copy into the sink, CRC64 and the content digest, as a snapshot child does them).
//   sink:0  MemorySink appending to a std::string (cleared, its capacity kept between runs: the
//           sink zero-fills the space it grows into, std::string has no uninitialized resize)
//   sink:1  MemorySink into a caller's buffer, written once before the first run (no page faults)
//   rpbench_bench --benchmark_filter=RdbSerialize
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/memory_sink.h"
#include "engines/rdb/rdb_kvstore.h"
#include "workloads/keys.h"
#include "workloads/values.h"

namespace rpbench::rdb {
namespace {

constexpr uint32_t kKeySize = 16;
constexpr size_t kValueSize = 100;
constexpr uint64_t kSeed = 42;

// Built on first use, kept for the process (loading 1 M keys takes about a second).
const kvstore::KvStore& loaded_store(uint64_t n) {
  static std::unique_ptr<kvstore::KvStore> store;
  if (!store || store->size() != n) {
    store = std::make_unique<kvstore::KvStore>();
    store->set_track_digest(false);  // as the rdb-fork engine runs it
    char key[kKeySize];
    char value[kValueSize];
    for (uint64_t i = 0; i < n; ++i) {
      workloads::make_key(i, kKeySize, key);
      workloads::fill_value(i, 0, kSeed, value, kValueSize);
      store->put(std::string_view(key, kKeySize), std::string_view(value, kValueSize));
    }
  }
  return *store;
}

void BM_RdbSerializeToMemory(benchmark::State& state) {
  const auto n = static_cast<uint64_t>(state.range(0));
  const bool caller_buffer = state.range(1) != 0;
  const kvstore::KvStore& store = loaded_store(n);
  RdbWriterOptions opt;
  opt.ctime = 0;
  std::string out;
  std::vector<char> buf;
  if (caller_buffer) buf.assign(n * (kKeySize + kValueSize + 8) + 4096, '\0');
  int64_t bytes = 0;
  for (auto _ : state) {
    out.clear();
    std::unique_ptr<MemorySink> sink =
        caller_buffer ? std::make_unique<MemorySink>(buf.data(), buf.size()) : std::make_unique<MemorySink>(&out);
    const RdbWriteResult r = write_rdb(store, sink.get(), opt);
    if (!r.status.ok()) {
      state.SkipWithError(r.status.to_string().c_str());
      break;
    }
    bytes += r.bytes;
    benchmark::DoNotOptimize(r.digest);
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_RdbSerializeToMemory)
    ->ArgNames({"keys", "sink"})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace rpbench::rdb
