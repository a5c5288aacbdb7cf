// Engine `null`: does nothing and answers at once. With it, a run measures the harness's own
// per-operation overhead (choose op, generate key, call engine, timestamps, record latency).
#pragma once
#include "engines/registry.h"

namespace rpbench {

EngineEntry null_engine_entry();

}  // namespace rpbench
