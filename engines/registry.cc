#include "engines/registry.h"

#include "engines/memory/memory_engine.h"
#include "engines/null/null_engine.h"
#include "engines/rdb_fork/rdb_fork_engine.h"
#include "engines/redis/redis_engine.h"

namespace rpbench {

const std::vector<EngineEntry>& engine_registry() {
  static const std::vector<EngineEntry> entries = {
      memory_engine_entry(),
      null_engine_entry(),
      rdb_fork_engine_entry(),
      redis_engine_entry(),
  };
  return entries;
}

const EngineEntry* find_engine(const std::string& name) {
  for (const auto& e : engine_registry()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace rpbench
