// The harness's one clock, now_ns(): the invariant TSC calibrated against CLOCK_MONOTONIC where
// the kernel trusts the TSC, else CLOCK_MONOTONIC through clock_gettime (the vDSO, no system
// call). measure_clock() says which it is, how fine it is and what a read costs, for the context
// block of every result.
#pragma once
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::measure {

// CLOCK_MONOTONIC through the vDSO.
inline uint64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The invariant TSC, calibrated once per process against CLOCK_MONOTONIC (about 20 ms, at the
// first read): a read costs a third of clock_gettime's on the VMs this harness runs on, which
// matters when two reads bracket every operation. Used only where the kernel itself trusts the
// TSC (its clocksource is "tsc"), so the counter is constant-rate and synchronized across CPUs;
// elsewhere now_ns() falls back to CLOCK_MONOTONIC. Immutable once built; a forked child
// inherits the same calibration, so parent and child times compare.
__extension__ typedef unsigned __int128 uint128_t;  // GCC/Clang extension, for 64x64-bit products

struct TscCalibration {
  bool usable = false;
  uint64_t base_tsc = 0;
  uint64_t base_ns = 0;  // CLOCK_MONOTONIC at base_tsc
  uint64_t mult = 0;     // ns per tick in 32.32 fixed point
  double ticks_per_ns = 0;
};
TscCalibration calibrate_tsc();
inline const TscCalibration& tsc_calibration() {
  static const TscCalibration c = calibrate_tsc();
  return c;
}

// The harness's clock, in nanoseconds: TSC-based where usable, CLOCK_MONOTONIC otherwise.
inline uint64_t now_ns() {
#if defined(__x86_64__)
  const TscCalibration& c = tsc_calibration();
  if (c.usable) {
    const uint64_t ticks = __rdtsc() - c.base_tsc;
    return c.base_ns + static_cast<uint64_t>((static_cast<uint128_t>(ticks) * c.mult) >> 32);
  }
#endif
  return monotonic_ns();
}

struct ClockInfo {
  std::string source;    // "rdtsc (...)" or "clock_gettime(CLOCK_MONOTONIC)"
  double resolution_ns;  // max(clock_getres, smallest nonzero step observed between two reads)
  double read_cost_ns;   // median over batches of (batch time / reads per batch)
};

// Takes a few milliseconds (well under 50 ms).
ClockInfo measure_clock();

// {"source", "resolution_ns", "read_cost_ns"}
nlohmann::json to_json(const ClockInfo& c);

}  // namespace rpbench::measure
