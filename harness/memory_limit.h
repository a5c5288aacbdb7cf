// measure.memory_limit: the experiment's memory limit, decided from its config and memory
// estimate, and applied through a cgroup v2 memory.max (harness/memory_cgroup.h) once the engine
// is open. What was asked for and what happened go into the result's context.memory_limit.
#pragma once
#include <cstdint>
#include <memory>

#include <nlohmann/json.hpp>

#include "harness/config/experiment.h"
#include "harness/memory_cgroup.h"
#include "harness/memory_check.h"

namespace rpbench {

// The limit the config asks for (0 when memory_limit is off): fixed, memory_max_bytes; budget,
// the estimate's bytes for this process (the engine's, a fork's copies, the warm-up; not the auto
// memory node's region, which is another process) plus memory_headroom_bytes.
uint64_t memory_limit_bytes(const MeasureConfig& m, const MemoryEstimate& e);

class AppliedMemoryLimit {
 public:
  // Off: nothing. Otherwise moves the process into a cgroup with that memory.max, or, where
  // cgroup v2 cannot, says why on stderr and in info() and runs without one.
  AppliedMemoryLimit(const MeasureConfig& m, const MemoryEstimate& e);
  // null when off; else mode, max_bytes, applied, cgroup or reason, and (applied) the cgroup's
  // current and peak bytes and its max / oom / oom_kill events, read now.
  nlohmann::json info() const;

 private:
  nlohmann::json info_ = nullptr;
  std::unique_ptr<MemoryCgroup> cgroup_;
};

}  // namespace rpbench
