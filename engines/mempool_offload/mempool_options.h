// The mempool-offload engine's options, declared once (mempool_option_table(); each default is
// the member's value below). The connection is the experiment's `transport` section.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/field.h"

namespace rpbench::mempool {

// High in the user address space, clear of the heap, the mmap area, the stack and
// AddressSanitizer's allocator (0x600000000000): 80 TiB.
inline constexpr int64_t kDefaultPoolBase = int64_t{0x500000000000};
inline constexpr int64_t kMinPoolBytes = int64_t{64} << 20;
inline constexpr int64_t kMaxPoolBytes = int64_t{1} << 40;
inline constexpr int64_t kMinChunkBytes = 64 * 1024;
inline constexpr int64_t kMaxChunkBytes = int64_t{1} << 30;

enum class SnapshotMode {
  kForkCopy,    // fork; the child copies the extent through registered staging buffers
  kForkDirect,  // fork; the child registers its view of the pool and writes straight from it
  kPause,       // no fork: the foreground stops while the parent writes the pool
};
inline constexpr config::NameTable<SnapshotMode, 3> kSnapshotModeNames{{{SnapshotMode::kForkCopy, "fork-copy"},
                                                                        {SnapshotMode::kForkDirect, "fork-direct"},
                                                                        {SnapshotMode::kPause, "pause"}}};

enum class PoolThp { kNever, kMadvise, kDefault };
inline constexpr config::NameTable<PoolThp, 3> kPoolThpNames{
    {{PoolThp::kNever, "never"}, {PoolThp::kMadvise, "madvise"}, {PoolThp::kDefault, "default"}}};

// How recovery readies the pool's pages before the read fills them.
enum class RecoveryPrefault { kPopulate, kNone };
inline constexpr config::NameTable<RecoveryPrefault, 2> kRecoveryPrefaultNames{
    {{RecoveryPrefault::kPopulate, "populate"}, {RecoveryPrefault::kNone, "none"}}};

struct MempoolOptions {
  int64_t pool_base = kDefaultPoolBase;
  int64_t pool_bytes = int64_t{64} << 30;  // reserved, not committed: pages cost only once used
  SnapshotMode snapshot_mode = SnapshotMode::kForkCopy;
  int64_t chunk_bytes = 4 << 20;  // one WRITE (cut into transport.chunk_bytes over the channels)
  int64_t chunks_in_flight = 2;   // fork-copy: staging buffers; direct writes: the window
  PoolThp thp = PoolThp::kNever;
  RecoveryPrefault recovery_prefault = RecoveryPrefault::kPopulate;
  bool snapshot_digest = true;  // the content digest verify checks against, computed after the commit
  // Test hook (not a config field): the snapshot child sleeps this long after its first chunk.
  unsigned test_child_pause_ms = 0;
};

const config::OptionTable<MempoolOptions>& mempool_option_table();

// The cross-field check of the registry (pool base and size multiples of 2 MiB, the range inside
// the user address space): the problem's message, or "" when there is none.
std::string pool_range_problem(int64_t base, int64_t bytes);

}  // namespace rpbench::mempool
