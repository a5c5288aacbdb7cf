// ClientWorker: one client thread of a load or run phase. It takes ops from its source, paces
// them (open loop: each op has an intended start; closed loop: the next starts when the last
// returns), executes them on the engine, and records each latency in its own ThreadRecord:
// normal or during_snapshot by the op's intended start, per op type, the service time in open
// loop, the timeline. Client thread 0 also begins and polls the phase's snapshots between its
// ops (as Redis forks from its event loop), so an engine without concurrent callers is never
// called from two threads. The driver merges the records when every worker is done.
#pragma once
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "engines/engine.h"
#include "harness/key_sample.h"
#include "harness/op_source.h"
#include "harness/snapshot_controller.h"
#include "harness/snapshot_window.h"
#include "measure/histogram.h"
#include "measure/pacer.h"
#include "measure/timeline.h"
#include "workloads/op.h"
#include "workloads/spec.h"

namespace rpbench {

// Everything one client thread records in one phase; merged into the PhaseResult at the end.
struct ThreadRecord {
  ThreadRecord(uint64_t start_ns, uint64_t interval_ns) : timeline(start_ns, interval_ns) {}
  // One histogram per op type and classification ([type][0] normal, [type][1] during a
  // snapshot): one record per op; all, normal, during and per-op latency are merged from them.
  measure::Histogram latency[workloads::kOpTypeCount][2];
  measure::Histogram service;
  measure::Timeline timeline;
  uint64_t ops = 0, errors = 0, not_found = 0;
  uint64_t end_ns = 0;  // when this thread's last op completed (or it stopped)
  std::string first_error;
};

// Counters the progress line reads while the workers run (one cache line per thread).
struct alignas(64) LiveCounter {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> p99_ns{0};
};

// What the client threads of one phase share.
struct PhaseShared {
  std::atomic<bool> stop{false};  // a worker failed: the others stop at their next op
  std::atomic<bool> failed{false};
  SnapshotWindows windows;                            // written by thread 0 (its snapshots), read by all
  const std::atomic<bool>* stop_requested = nullptr;  // the driver's (SIGINT)
};

// One worker's fixed part of the phase.
struct ClientPlan {
  Engine* engine = nullptr;
  const workloads::WorkloadSpec* workload = nullptr;
  OpSource* source = nullptr;
  uint64_t start_ns = 0;
  uint64_t end_ns = UINT64_MAX;             // no op starts at or after this (duration phases)
  uint64_t timeline_end_ns = UINT64_MAX;    // ops intended after this are in the histograms only
  uint64_t quota = UINT64_MAX;              // ops this thread issues at most
  uint64_t spin_ns = 0;                     // open loop: busy-wait for an op due within this long
  std::optional<measure::Pacer> pacer;      // open loop only
  SnapshotController* snapshots = nullptr;  // thread 0 of a phase with snapshots
  KeySample* sample = nullptr;              // tracked what a sample of keys holds (one client thread)
};

class ClientWorker {
 public:
  ClientWorker(ClientPlan plan, PhaseShared& shared, LiveCounter& live, ThreadRecord& record);
  // Runs the thread's ops to the end of the phase (or a failure, or a stop request); thread 0
  // then waits for its running snapshot to complete.
  void run();
  // Why this thread stopped the phase (a failed engine call, a failed snapshot, a corrupt trace
  // record); ok when it did not.
  const Status& failure() const { return failure_; }

 private:
  void track(const workloads::Op& op, const Status& st);
  void record(const workloads::Op& op, uint64_t intended, uint64_t begin, uint64_t done);
  void fail(Status why);

  ClientPlan plan_;
  PhaseShared& shared_;
  LiveCounter& live_;
  ThreadRecord& rec_;
  Status failure_;
};

}  // namespace rpbench
