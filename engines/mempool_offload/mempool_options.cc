#include "engines/mempool_offload/mempool_options.h"

#include "engines/mempool_offload/pool_mapping.h"

namespace rpbench::mempool {

const config::OptionTable<MempoolOptions>& mempool_option_table() {
  static const config::OptionTable<MempoolOptions> table = [] {
    using O = MempoolOptions;
    config::OptionTable<O> t;
    t.integer("pool_base", &O::pool_base, 2 << 20, static_cast<double>(int64_t{1} << 47),
              "address of the memory pool (a multiple of 2 MiB; default 0x500000000000): a recovery maps the saved "
              "pool back here, in any process");
    t.integer("pool_bytes", &O::pool_bytes, kMinPoolBytes, kMaxPoolBytes,
              "bytes of address space reserved for the pool (a multiple of 2 MiB; MAP_NORESERVE: only used pages "
              "cost memory); a full pool fails put()");
    t.choice("snapshot_mode", &O::snapshot_mode, kSnapshotModeNames,
             "fork-copy: the fork child copies the pool's used extent through registered staging buffers; "
             "fork-direct: the child registers its view of the pool and writes from it; pause: no fork, the "
             "foreground waits while the pool is written");
    t.integer("chunk_bytes", &O::chunk_bytes, kMinChunkBytes, kMaxChunkBytes,
              "bytes of one WRITE of the extent (and of each staging buffer)");
    t.integer("chunks_in_flight", &O::chunks_in_flight, 1, 64,
              "WRITEs in flight at once (fork-copy: the staging buffers, filled in turn)");
    t.choice("thp", &O::thp, kPoolThpNames,
             "transparent huge pages on the pool: never (MADV_NOHUGEPAGE), madvise (MADV_HUGEPAGE) or default (no "
             "advice: the system mode decides)");
    t.choice("recovery_prefault", &O::recovery_prefault, kRecoveryPrefaultNames,
             "populate: fault in the pool's pages for the extent before recovery reads into it "
             "(MADV_POPULATE_WRITE); none: the read faults them");
    t.boolean("snapshot_digest", &O::snapshot_digest,
              "after the commit, compute the store's content digest and store it with the snapshot (what verify "
              "checks a recovery against); the fork child does it off the measured path, pause mode inside the pause");
    return t;
  }();
  return table;
}

std::string pool_range_problem(int64_t base, int64_t bytes) {
  constexpr int64_t k2M = int64_t{2} << 20;
  if (base % k2M != 0)
    return "engine.pool_base " + hex_address(static_cast<uint64_t>(base)) + " is not a multiple of 2 MiB";
  if (bytes % k2M != 0) return "engine.pool_bytes " + std::to_string(bytes) + " is not a multiple of 2 MiB";
  if (base + bytes > (int64_t{1} << 47))
    return "the pool [" + hex_address(static_cast<uint64_t>(base)) + ", +" + std::to_string(bytes) +
           ") ends above the user address space (0x800000000000)";
  return "";
}

}  // namespace rpbench::mempool
