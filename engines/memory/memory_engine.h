// Engine `memory`: a plain in-process hash map, no persistence. The driver's end-to-end engine,
// and the foreground-speed reference the persistent engines are compared with.
#pragma once
#include "engines/registry.h"

namespace rpbench {

inline constexpr EngineInfo kMemoryEngineInfo{"memory", "in-process std::unordered_map, no persistence (foreground reference)",
                                              kCapStorage | kCapDigest};

EngineEntry memory_engine_entry();

}  // namespace rpbench
