// The counters every shard adds to (relaxed atomics: figures, not synchronization), and a copy of
// them at one moment, for the engine's per-phase figures (a phase's figures are the difference of
// two copies).
#pragma once
#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace rpbench::paged {

#define RPBENCH_PAGED_COUNTERS(X)                                                                      \
  X(hits)     /* gets and in-place updates served from a cached page */                                \
  X(misses)   /* page fetches started (one READ each) */                                               \
  X(fetch_ns) /* summed time of those READs */                                                         \
  X(fetch_ns_max)                                                                                      \
  X(waits_for_fetch)       /* a thread waited for another thread's fetch (or write) of the page */     \
  X(evictions)             /* frames taken from a page for another */                                  \
  X(clean_drops)           /* ... of those, pages dropped without a write (the remote copy current) */ \
  X(background_writebacks) /* dirty pages written by the background evictor */                         \
  X(foreground_writebacks) /* dirty pages a client thread had to write itself to free a frame */       \
  X(snapshot_writebacks)   /* dirty pages a snapshot wrote */                                          \
  X(bytes_read)            /* remote bytes read (page fetches and rebuilds) */                         \
  X(bytes_written)         /* remote bytes written (pages; snapshots' index images too) */             \
  X(in_place_updates)                                                                                  \
  X(appends)                                                                                           \
  X(pages_rebuilt)                                                                                     \
  X(rebuild_records_moved)                                                                             \
  X(rebuild_bytes_read) /* remote bytes the rebuild read (headers and live records only) */            \
  X(rebuild_ns)                                                                                        \
  X(rebuild_ns_max)                                                                                    \
  X(pages_freed)     /* pages whose records were all dead or moved, their slot given back */           \
  X(cuts_by_clients) /* snapshot cuts a client's write did (the shard's first write after begin) */

struct CounterValues {
#define RPBENCH_X(name) uint64_t name = 0;
  RPBENCH_PAGED_COUNTERS(RPBENCH_X)
#undef RPBENCH_X
  nlohmann::json to_json() const;
  // Counters that grow (all but the maxima) as this minus `before`; maxima as this.
  CounterValues since(const CounterValues& before) const;
};

struct Counters {
#define RPBENCH_X(name) std::atomic<uint64_t> name{0};
  RPBENCH_PAGED_COUNTERS(RPBENCH_X)
#undef RPBENCH_X
  void add(std::atomic<uint64_t>& c, uint64_t v) { c.fetch_add(v, std::memory_order_relaxed); }
  void max(std::atomic<uint64_t>& c, uint64_t v) {
    uint64_t cur = c.load(std::memory_order_relaxed);
    while (v > cur && !c.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {}
  }
  CounterValues values() const;
};

}  // namespace rpbench::paged
