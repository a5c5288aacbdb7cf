// Result: what one experiment produced, as the driver measured it. The driver fills it; one
// writer (to_json) turns it into the result document whose shape schema/result.schema.json
// fixes. Unknown figures stay unknown (std::nullopt / -1) and are written as null.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/engine.h"
#include "measure/histogram.h"
#include "measure/timeline.h"

namespace rpbench {

struct PhaseEvent {
  double t_ms = 0;    // since the phase started
  std::string event;  // snapshot_start, fork_returned, child_done, reaped, snapshot_failed
  int snapshot = 0;
};

struct SnapshotRecord {
  int index = 0;
  std::string engine;
  double started_ms = 0;   // since the phase started
  double duration_ms = 0;  // from just before begin_snapshot until the report was received (child reaped)
  SnapshotReport report;
  nlohmann::json probe = nlohmann::json::object();  // SnapshotProbe::finish()
};

struct RecoveryRecord {
  double duration_ms = 0;
  RecoveryReport report;
};

struct CompactRecord {
  double duration_ms = 0;
  CompactReport report;
};

struct VerifyRecord {
  bool ok = false;
  std::string expected_digest;
  std::string actual_digest;
  std::string expected_from = "none";  // "snapshot" (taken at fork time), "recovered_file", "none"
  int64_t sampled_keys = 0;            // keys checked value by value against the generator
  int64_t sample_mismatches = 0;
  std::string sample_note;  // why no sample was checked, or the first mismatch
};

struct PacingRecord {
  bool open_loop = false;
  bool poisson = false;
  double target_ops_per_s = 0;
  double achieved_ops_per_s = 0;
  bool kept_up = true;
};

struct PhaseResult {
  std::string name;
  std::string type;
  uint32_t threads = 1;
  uint64_t ops = 0;
  uint64_t errors = 0;
  uint64_t not_found = 0;
  double duration_s = 0;
  double started_unix_ms = 0;      // wall-clock start (for aligning several clients' timelines)
  bool measures_ops = false;       // load and run phases
  bool split_by_snapshot = false;  // run phases: normal vs during_snapshot
  PacingRecord pacing;
  measure::Histogram all, normal, during_snapshot, service;
  std::map<std::string, measure::Histogram> per_op;
  std::optional<measure::Timeline> timeline;
  double timeline_interval_ms = 0;
  std::vector<PhaseEvent> events;
  std::vector<SnapshotRecord> snapshots;
  std::optional<RecoveryRecord> recovery;
  std::optional<CompactRecord> compaction;
  std::optional<VerifyRecord> verify;
  std::string first_error;  // the first engine error message, if any
};

struct Result {
  nlohmann::json context = nlohmann::json::object();
  nlohmann::json config = nlohmann::json::object();
  std::vector<PhaseResult> phases;
  nlohmann::json engine = nlohmann::json::object();
};

nlohmann::json to_json(const Result& r);
nlohmann::json to_json(const SnapshotRecord& s);

}  // namespace rpbench
