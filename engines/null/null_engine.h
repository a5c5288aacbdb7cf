// Engine `null`: does nothing and answers at once. With it, a run measures the harness's own
// per-operation overhead (choose op, generate key, call engine, timestamps, record latency).
#pragma once
#include "engines/registry.h"

namespace rpbench {

inline constexpr EngineInfo kNullEngineInfo{"null", "does nothing; measures the harness's own per-op overhead",
                                            kCapConcurrentCallers};

EngineEntry null_engine_entry();

}  // namespace rpbench
