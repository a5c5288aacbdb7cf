// Engine `memory`: plain in-process hash maps (64 shards, a lock each), no persistence. The
// driver's end-to-end engine, and the foreground-speed reference the persistent engines are
// compared with, at any thread count.
#pragma once
#include "engines/registry.h"

namespace rpbench {

inline constexpr EngineInfo kMemoryEngineInfo{
    "memory", "in-process hash maps (64, a lock each), no persistence (the foreground reference, for any thread count)",
    kCapStorage | kCapDigest | kCapConcurrentCallers};

EngineEntry memory_engine_entry();

}  // namespace rpbench
