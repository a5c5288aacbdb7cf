// SnapshotStream: one rdma-pingpong snapshot in flight. start() forks exactly as rdb-fork does;
// the child serializes the fork-time store as an RDB v10 stream into the remote::StreamBuffers
// (stream_sink.h), the buffers go to the slot the parent prepared (remote_slots.h) either over the
// child's own connection (child-connect: direct_port.h) or through the parent's posting thread
// (parent-posts: handoff.h), and the slot is committed only once every write has completed. The
// child measures its phases and sends one fixed-size record to the parent through a pipe before
// it _exit()s; poll() never blocks and, once the child has exited, reaps it (and joins the
// posting thread) and returns the report, whose extra holds the stream's figures.
//
// The object owns the child: destroying it while the child runs kills (SIGKILL) and reaps it.
// A child that dies leaves its slot uncommitted: the other slot's snapshot is untouched.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "base/reporting_child.h"
#include "base/unique_fd.h"
#include "engines/engine.h"
#include "engines/kvstore/kvstore.h"
#include "engines/rdb/rdb_writer.h"
#include "engines/rdma_pingpong/handoff.h"
#include "engines/rdma_pingpong/pingpong_options.h"
#include "engines/remote/remote_slots.h"
#include "engines/remote/stream_buffers.h"
#include "transport/remote_memory.h"

namespace rpbench::pingpong {

// What the child needs, fixed before the fork.
struct StreamPlan {
  PingpongOptions options;
  remote::RemoteSlots::Target target;
  uint64_t area_offset = 0;  // the slot's payload area in the region
  uint64_t capacity = 0;     // its bytes
  uint64_t region_bytes = 0;
  rdb::RdbWriterOptions writer;
  std::chrono::milliseconds stall{60000};
  double prepare_us = 0;  // the parent's RemoteSlots::prepare() before the fork (for the report)
};

// What the child sends back through its ReportingChild pipe (base/reporting_child.h).
struct StreamRecord {
  uint32_t magic;
  uint32_t ok;
  uint32_t code;  // Status::Code of the child's failure
  int64_t stream_bytes;
  uint64_t buffers_sent;
  uint64_t checksum;
  uint64_t digest_sum, digest_xor, digest_count;
  // measure::now_ns() (the parent's clock: same calibration) at each phase's end; 0 = not reached.
  uint64_t start_ns, connected_ns, ready_ns, first_fill_ns, stream_end_ns, data_complete_ns, committed_ns;
  int64_t acquire_wait_ns, send_ns, drain_ns;
  int64_t busy_ns;  // child-connect: the child's transfers in flight
  uint64_t transfers;
  double prefault_us;
  int64_t private_dirty_bytes;
  char error[512];
};

// The parent's side: its connection and slots (used in child-connect only to look at a dead child's
// slot), and for parent-posts the MAP_SHARED buffers it registered.
struct ParentSide {
  transport::Transport* transport = nullptr;
  const remote::StreamBuffers* buffers = nullptr;
  transport::BufferId buffer_id = 0;
  remote::RemoteSlots* slots = nullptr;
};

class SnapshotStream {
 public:
  SnapshotStream() = default;
  ~SnapshotStream();
  SnapshotStream(const SnapshotStream&) = delete;
  SnapshotStream& operator=(const SnapshotStream&) = delete;

  // `remote` must outlive the snapshot (child-connect connects again to its node); `parent` is
  // used in parent-posts only.
  Status start(const kvstore::KvStore& store, const StreamPlan& plan, const transport::RemoteMemory& remote,
               const ParentSide& parent);

  bool running() const { return child_.running(); }
  pid_t pid() const { return child_.pid(); }
  // Kills (SIGKILL) and reaps a running child, joins the posting thread; no-op otherwise.
  void abort();
  // std::nullopt while the child runs (or none was started); its report once reaped.
  std::optional<SnapshotReport> poll();

 private:
  SnapshotReport finish(const ReportingChild<StreamRecord>::Exit& e);
  // "is not committed" / "was committed before it died", for a child that died without reporting.
  std::string slot_state_after_death(const std::optional<PosterResult>& posted) const;

  ReportingChild<StreamRecord> child_;
  std::unique_ptr<ParentPoster> poster_;
  StreamPlan plan_;
  ParentSide parent_;
  std::string where_;           // "slot 1 (snapshot 3) of tcp to ..." for the report
  std::string transport_name_;  // "shm", "tcp", "verbs"
};

}  // namespace rpbench::pingpong
