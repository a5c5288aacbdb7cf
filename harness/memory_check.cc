#include "harness/memory_check.h"

#include "base/meminfo.h"
#include "engines/registry.h"

namespace rpbench {

namespace {

uint64_t mib(uint64_t b) { return b >> 20; }

bool takes_snapshots(const ExperimentConfig& cfg) {
  for (const auto& p : cfg.phases)
    if (p.type == PhaseType::kSnapshot || !p.snapshot_at_s.empty() || p.snapshot_every_ops > 0) return true;
  return false;
}

}  // namespace

nlohmann::json MemoryEstimate::to_json() const {
  return {{"total_bytes", total()},
          {"dataset_bytes", dataset_bytes},
          {"snapshot_copy_bytes", snapshot_copy_bytes},
          {"warmup_bytes", warmup_bytes},
          {"memnode_bytes", memnode_bytes},
          {"available_bytes", available_bytes ? nlohmann::json(*available_bytes) : nlohmann::json(nullptr)}};
}

MemoryEstimate estimate_memory(const ExperimentConfig& cfg) {
  MemoryEstimate e;
  const uint64_t dataset = estimated_dataset_bytes(cfg);
  const EngineEntry* engine = find_engine(cfg.engine_type);
  e.dataset_bytes = engine && engine->memory_bytes ? engine->memory_bytes(cfg.resolved, dataset) : dataset;
  const bool forks = engine && (engine->info.capabilities & kCapSnapshot) && !engine->snapshots_without_fork;
  if (forks && takes_snapshots(cfg)) e.snapshot_copy_bytes = e.dataset_bytes;
  if (cfg.measure.memory_warmup)
    e.warmup_bytes = cfg.measure.memory_warmup_bytes ? cfg.measure.memory_warmup_bytes
                                                     : std::max<uint64_t>(2 * dataset, 64ull << 20);
  if (cfg.transport.type != "none" && cfg.transport.memnode == "auto") e.memnode_bytes = cfg.transport.region_bytes;
  e.available_bytes = mem_available_bytes();
  return e;
}

Status check_memory(const MemoryEstimate& e, bool allow) {
  if (allow || !e.available_bytes || e.total() <= static_cast<uint64_t>(*e.available_bytes)) return Status::Ok();
  return Status::ResourceExhausted(
      "the experiment needs about " + std::to_string(mib(e.total())) + " MiB (dataset " +
      std::to_string(mib(e.dataset_bytes)) + ", snapshot copy-on-write " + std::to_string(mib(e.snapshot_copy_bytes)) +
      ", warm-up " + std::to_string(mib(e.warmup_bytes)) + ", memory node region " +
      std::to_string(mib(e.memnode_bytes)) + ") but the machine has " +
      std::to_string(mib(static_cast<uint64_t>(*e.available_bytes))) +
      " MiB available; shrink it, or run anyway with --allow-oversubscribe (measure.allow_oversubscribe)");
}

}  // namespace rpbench
