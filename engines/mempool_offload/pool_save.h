// One mempool-offload snapshot's work, the same in the fork child (fork-copy, fork-direct) and in
// the paused parent (pause): seal the control block, write the pool's used extent raw into the
// prepared slot (extent_io.h), commit the slot's header (kind kPoolExtent, the extent's checksum,
// the pool's base and control-block checksum) and then, off the measured path, compute the
// store's content digest and write it as the slot's late digest (remote/slot_header.h). The
// figures go into a SaveRecord, which the child sends to its parent through a pipe and from
// which save_report() builds the SnapshotReport.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "engines/engine.h"
#include "engines/mempool_offload/mempool_options.h"
#include "engines/mempool_offload/pool_store.h"
#include "engines/remote/remote_slots.h"
#include "transport/transport.h"

namespace rpbench::mempool {

// Where the snapshot goes and how, fixed before the fork.
struct SavePlan {
  MempoolOptions options;
  bool digest = true;  // compute the late digest
  remote::RemoteSlots::Target target;
  uint64_t area_offset = 0;
  uint64_t capacity = 0;
  uint64_t region_bytes = 0;
  std::chrono::milliseconds stall{60000};
  double prepare_us = 0;
};

struct SaveRecord {
  uint32_t magic;
  uint32_t ok;
  uint32_t code;
  uint32_t digest_written;
  uint64_t extent_bytes, live_bytes, keys, chunks;
  uint64_t checksum, control_checksum;
  uint64_t digest_sum, digest_xor, digest_count;
  // measure::now_ns() at each phase's end (0 = not reached).
  uint64_t start_ns, connected_ns, ready_ns, data_done_ns, committed_ns, digest_done_ns;
  int64_t register_ns, copy_ns, checksum_ns, wait_ns, busy_ns;
  double prefault_us;
  int64_t private_dirty_after_register;  // fork-direct: the child's Private_Dirty once it registered the pool
  int64_t private_dirty_bytes;           // at the end
  char error[480];
};
inline constexpr uint32_t kSaveRecordMagic = 0x4d504f46;  // "MPOF"

// Saves `pool` over `t` (idle, the caller's own connection) into plan.target's slot through
// `slots` (opened on `t`). The record's figures are filled as far as the save got.
Status save_pool(transport::Transport& t, remote::RemoteSlots& slots, PoolStore& pool, const SavePlan& plan,
                 SaveRecord* rec);

// The report of a finished save: `status` its outcome, `pause_us`/`fork_us` what the foreground
// waited, `where` the slot and node, `transport` its name.
SnapshotReport save_report(const SaveRecord& rec, const SavePlan& plan, Status status, std::optional<double> fork_us,
                           double pause_us, const std::string& where, const std::string& transport);

}  // namespace rpbench::mempool
