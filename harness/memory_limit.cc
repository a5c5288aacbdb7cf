#include "harness/memory_limit.h"

#include <cstdio>

namespace rpbench {

uint64_t memory_limit_bytes(const MeasureConfig& m, const MemoryEstimate& e) {
  switch (m.memory_limit) {
    case MemoryLimit::kOff: return 0;
    case MemoryLimit::kFixed: return m.memory_max_bytes;
    case MemoryLimit::kBudget:
      return e.dataset_bytes + e.snapshot_copy_bytes + e.warmup_bytes + m.memory_headroom_bytes;
  }
  return 0;
}

AppliedMemoryLimit::AppliedMemoryLimit(const MeasureConfig& m, const MemoryEstimate& e) {
  if (m.memory_limit == MemoryLimit::kOff) return;
  const uint64_t max = memory_limit_bytes(m, e);
  info_ = {{"mode", config::name_of(kMemoryLimitNames, m.memory_limit)},
           {"max_bytes", max},
           {"mechanism", "cgroup v2 memory.max"}};
  StatusOr<std::string> root = find_cgroup2_memory_root();
  StatusOr<std::unique_ptr<MemoryCgroup>> cg = root.ok() ? MemoryCgroup::enter(*root, max) : root.status();
  if (cg.ok()) {
    cgroup_ = std::move(*cg);
    info_["applied"] = true;
    info_["cgroup"] = cgroup_->path();
    return;
  }
  info_["applied"] = false;
  info_["reason"] = cg.status().message();
  std::fprintf(stderr,
               "rpbench: warning: measure.memory_limit %s (%llu bytes) not applied: %s; running without a limit\n",
               std::string(config::name_of(kMemoryLimitNames, m.memory_limit)).c_str(),
               static_cast<unsigned long long>(max), cg.status().message().c_str());
}

nlohmann::json AppliedMemoryLimit::info() const {
  nlohmann::json j = info_;
  if (cgroup_) j.update(cgroup_->figures());
  return j;
}

}  // namespace rpbench
