// The driver: runs an experiment's phases in order on one engine and measures every call.
//
//   load     inserts the dataset (ids partitioned over the client threads), closed loop
//   run      the workload for a duration or an op count, open or closed loop; snapshots at given
//            times or every N ops; each op's latency (from its intended start in open loop) into
//            a histogram: normal or during_snapshot by the op's intended start time
//   snapshot begins one and waits for it
//   recover  the engine reloads its newest complete snapshot
//   verify   the recovered digest must equal the digest the snapshot took when it began
//
// Snapshots are begun and polled by client thread 0 between its operations (as Redis forks from
// its event loop), so an engine without concurrent callers is never called from two threads.
#pragma once
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "harness/config/experiment.h"
#include "harness/key_sample.h"
#include "harness/result.h"

namespace rpbench {

class SnapshotController;

// A live status line while a phase runs (phase, elapsed / planned, ops/s, p99 so far).
struct ProgressSink {
  virtual ~ProgressSink() = default;
  virtual void update(const std::string& phase, double elapsed_s, double planned_s, uint64_t ops, double ops_per_s,
                      uint64_t p99_ns) = 0;
  virtual void phase_done(const std::string& phase) = 0;
};

class Driver {
 public:
  Driver(const ExperimentConfig& cfg, Engine& engine, ProgressSink* progress = nullptr);

  // Runs every phase; fills `result.phases`. An error when the experiment failed (an engine error
  // stopped a phase, a snapshot failed or timed out, verify found a different digest), naming the
  // phase; the phases run so far are in the result either way.
  Status run(Result& result);

  // Asks a running experiment to stop early (e.g. on SIGINT); safe from another thread.
  void request_stop() { stop_requested_.store(true); }

 private:
  Status run_ops_phase(const PhaseConfig& phase, PhaseResult& out);
  Status run_snapshot_phase(const PhaseConfig& phase, PhaseResult& out);
  Status run_recover_phase(PhaseResult& out);
  Status run_compact_phase(PhaseResult& out);
  Status run_verify_phase(const PhaseConfig& phase, PhaseResult& out);
  Status warm_up_memory();
  void check_sample(const PhaseConfig& phase, VerifyRecord& v);
  void attach_sample_hooks(SnapshotController& snaps);

  const ExperimentConfig& cfg_;
  Engine& engine_;
  ProgressSink* progress_;
  std::string last_snapshot_digest_;
  // What a sample of keys must hold (one client thread, a verify phase asking for it), now, at the
  // snapshot in flight, and at the newest good snapshot.
  std::optional<KeySample> sample_;
  std::vector<KeySample::Entry> sample_pending_;
  std::vector<KeySample::Entry> sample_at_snapshot_;
  bool sample_snapshot_taken_ = false;
  int snapshot_count_ = 0;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace rpbench
