#include "engines/registry.h"

#include "engines/memory/memory_engine.h"
#include "engines/mempool_offload/mempool_engine.h"
#include "engines/null/null_engine.h"
#include "engines/paged_kv/paged_engine.h"
#include "engines/rdb_fork/rdb_fork_engine.h"
#include "engines/rdma_pingpong/pingpong_engine.h"
#include "engines/redis/redis_engine.h"

namespace rpbench {

std::string describe_capabilities(uint32_t caps) {
  std::string s;
  const std::pair<uint32_t, const char*> names[] = {
      {kCapSnapshot, "snapshot"}, {kCapRecovery, "recovery"},          {kCapConcurrentCallers, "concurrent callers"},
      {kCapDigest, "digest"},     {kCapRemoteMemory, "remote memory"}, {kCapStorage, "storage"},
      {kCapCompact, "compaction"}};
  for (const auto& [bit, name] : names) {
    if (!(caps & bit)) continue;
    if (!s.empty()) s += ", ";
    s += name;
  }
  return s.empty() ? "none" : s;
}

const std::vector<EngineEntry>& engine_registry() {
  static const std::vector<EngineEntry> entries = {
      memory_engine_entry(),   null_engine_entry(),    rdb_fork_engine_entry(), redis_engine_entry(),
      pingpong_engine_entry(), mempool_engine_entry(), paged_engine_entry(),
  };
  return entries;
}

const EngineEntry* find_engine(std::string_view name) {
  for (const auto& e : engine_registry()) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

}  // namespace rpbench
