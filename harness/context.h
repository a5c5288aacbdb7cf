// The context block of every result: what ran, where, and how (../shared/DESIGN.md, "Result").
#pragma once
#include <nlohmann/json.hpp>

namespace rpbench {

// git commit, build type, compiler, host, kernel, CPU model, cores, memory, THP mode, timer
// (source, resolution, cost per read). Callers add what only they know (transport, allocator,
// memory_warmup, steal_ms of their run).
nlohmann::json collect_context();

}  // namespace rpbench
