// What /proc/meminfo says about the machine's memory, for the checks that keep an experiment (or
// the memory node) from taking more than the machine has: on a shared machine the OOM killer
// takes other processes with it.
#pragma once
#include <cstdint>
#include <optional>

namespace rpbench {

// MemAvailable and MemTotal in bytes; empty when /proc/meminfo cannot be read.
std::optional<int64_t> mem_available_bytes();
std::optional<int64_t> mem_total_bytes();

}  // namespace rpbench
