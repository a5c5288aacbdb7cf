// Begins, polls and records the snapshots of one phase. Owned and called by one thread (client
// thread 0 in a run phase, the driver in a snapshot phase), between operations: the engine is
// never asked to snapshot while that thread is inside another call to it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.h"
#include "harness/result.h"
#include "harness/snapshot_window.h"
#include "measure/os_probes.h"

namespace rpbench {

struct SnapshotSchedule {
  std::vector<uint64_t> at_ns;  // absolute times to begin snapshots, ascending
  uint64_t every_ops = 0;       // 0: none
};

class SnapshotController {
 public:
  SnapshotController(Engine& engine, SnapshotSchedule schedule, uint64_t phase_start_ns, uint64_t poll_interval_ns,
                     uint64_t timeout_ns, SnapshotWindows& windows, int first_index);

  // Called after each op with the current time and the ops this thread has done. Begins a due
  // snapshot, polls a running one. An error when a snapshot could not begin, failed or timed out.
  Status tick(uint64_t now_ns, uint64_t ops_done);
  // Begins a snapshot now (a snapshot phase).
  Status begin(uint64_t now_ns);
  // Waits for a running snapshot to complete, polling; an error on failure or timeout.
  Status finish();
  bool running() const { return running_.has_value(); }
  // Called just before a snapshot begins, and when one completes successfully (the driver keeps
  // the key sample as of the newest good snapshot).
  void set_hooks(std::function<void()> on_begin, std::function<void()> on_good) {
    on_begin_ = std::move(on_begin);
    on_good_ = std::move(on_good);
  }
  int next_index() const { return next_index_; }

  std::vector<SnapshotRecord>& records() { return records_; }
  std::vector<PhaseEvent>& events() { return events_; }
  // Digest of the newest successful snapshot (what recovery must reproduce).
  const std::string& last_good_digest() const { return last_good_digest_; }

 private:
  struct Running {
    SnapshotRecord record;
    uint64_t start_ns = 0;
    std::unique_ptr<measure::SnapshotProbe> probe;
  };
  Status poll(uint64_t now_ns);
  double ms_since_phase(uint64_t t_ns) const { return static_cast<double>(t_ns - phase_start_ns_) / 1e6; }

  Engine& engine_;
  SnapshotSchedule schedule_;
  size_t next_at_ = 0;
  uint64_t next_every_ = 0;
  uint64_t phase_start_ns_;
  uint64_t poll_interval_ns_;
  uint64_t timeout_ns_;
  uint64_t next_poll_ns_ = 0;
  SnapshotWindows& windows_;
  int next_index_;
  std::optional<Running> running_;
  std::vector<SnapshotRecord> records_;
  std::vector<PhaseEvent> events_;
  std::string last_good_digest_;
  std::function<void()> on_begin_;
  std::function<void()> on_good_;
};

}  // namespace rpbench
