// The harness's one clock: CLOCK_MONOTONIC read through clock_gettime (the vDSO, no system call),
// in nanoseconds. measure_clock() says what it is, how fine it is and what a read costs, for the
// context block of every result.
#pragma once
#include <time.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::measure {

inline uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct ClockInfo {
  std::string source;      // "clock_gettime(CLOCK_MONOTONIC)"
  double resolution_ns;    // max(clock_getres, smallest nonzero step observed between two reads)
  double read_cost_ns;     // median over batches of (batch time / reads per batch)
};

// Takes a few milliseconds (well under 50 ms).
ClockInfo measure_clock();

// {"source", "resolution_ns", "read_cost_ns"}
nlohmann::json to_json(const ClockInfo& c);

}  // namespace rpbench::measure
