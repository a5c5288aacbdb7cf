// The memory pre-flight check: before an experiment starts (and in `rpbench validate`), an
// estimate of the memory it needs is compared with the machine's MemAvailable, and an experiment
// that cannot fit is refused with both figures, unless told to go ahead (--allow-oversubscribe or
// measure.allow_oversubscribe). On a shared machine the OOM killer takes other processes with it,
// so an experiment that does not fit must not start. The estimate goes into the result.
//
// The estimate is deliberately on the high side: the loaded dataset (keys, values and per-key
// overhead, or what the engine says it keeps); doubled when the config takes fork-based
// snapshots (a child's copy-on-write can reach the whole store while the parent writes); the
// memory warm-up's touched bytes; and the region of the memory node the harness starts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "harness/config/experiment.h"

namespace rpbench {

struct MemoryEstimate {
  uint64_t dataset_bytes = 0;              // what the engine keeps in this process (or its server)
  uint64_t snapshot_copy_bytes = 0;        // the worst case of a fork's copy-on-write
  uint64_t warmup_bytes = 0;               // measure.memory_warmup's touched bytes (transient)
  uint64_t memnode_bytes = 0;              // the auto memory node's region
  std::optional<int64_t> available_bytes;  // MemAvailable when estimated

  uint64_t total() const { return dataset_bytes + snapshot_copy_bytes + warmup_bytes + memnode_bytes; }
  nlohmann::json to_json() const;
};

MemoryEstimate estimate_memory(const ExperimentConfig& cfg);

// kResourceExhausted with both figures when the estimate exceeds MemAvailable and `allow` is
// false; ok otherwise (also when MemAvailable cannot be read: the check cannot judge).
Status check_memory(const MemoryEstimate& e, bool allow);

}  // namespace rpbench
