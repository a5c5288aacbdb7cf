#include "measure/clock.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

namespace rpbench::measure {

TscCalibration calibrate_tsc() {
  TscCalibration c;
#if defined(__x86_64__)
  std::ifstream cs("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  if (!(cs >> source) || source != "tsc") return c;
  // A (tsc, ns) pair: the TSC read between two clock reads, paired with their midpoint; the
  // tightest of a few tries.
  auto pair = [](uint64_t* tsc, uint64_t* ns) {
    uint64_t best = std::numeric_limits<uint64_t>::max();
    for (int i = 0; i < 32; ++i) {
      const uint64_t a = monotonic_ns();
      const uint64_t t = __rdtsc();
      const uint64_t b = monotonic_ns();
      if (b - a < best) {
        best = b - a;
        *tsc = t;
        *ns = a + (b - a) / 2;
      }
    }
  };
  uint64_t tsc0 = 0, ns0 = 0, tsc1 = 0, ns1 = 0;
  pair(&tsc0, &ns0);
  const timespec pause{0, 20'000'000};
  ::nanosleep(&pause, nullptr);
  pair(&tsc1, &ns1);
  if (tsc1 <= tsc0 || ns1 <= ns0) return c;
  c.base_tsc = tsc0;
  c.base_ns = ns0;
  c.mult = static_cast<uint64_t>((static_cast<uint128_t>(ns1 - ns0) << 32) / (tsc1 - tsc0));
  c.ticks_per_ns = static_cast<double>(tsc1 - tsc0) / static_cast<double>(ns1 - ns0);
  c.usable = c.mult > 0;
#endif
  return c;
}

ClockInfo measure_clock() {
  ClockInfo info;
  const TscCalibration& tsc = tsc_calibration();
  if (tsc.usable) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "rdtsc (invariant TSC, %.4f GHz, calibrated against CLOCK_MONOTONIC)",
                  tsc.ticks_per_ns);
    info.source = buf;
  } else {
    info.source = "clock_gettime(CLOCK_MONOTONIC)";
  }

  timespec res{};
  double getres_ns = 0;
  if (!tsc.usable && ::clock_getres(CLOCK_MONOTONIC, &res) == 0) {
    getres_ns = static_cast<double>(res.tv_sec) * 1e9 + static_cast<double>(res.tv_nsec);
  }

  // Smallest nonzero step: read until the value changes, many times (at most ~10 ms in all).
  uint64_t min_step = std::numeric_limits<uint64_t>::max();
  const uint64_t step_deadline = now_ns() + 10'000'000;
  for (int i = 0; i < 1000 && now_ns() < step_deadline; ++i) {
    const uint64_t a = now_ns();
    uint64_t b = now_ns();
    while (b == a) b = now_ns();
    if (b > a) min_step = std::min(min_step, b - a);
  }
  const double step_ns = min_step == std::numeric_limits<uint64_t>::max() ? 0.0 : static_cast<double>(min_step);
  info.resolution_ns = std::max(getres_ns, step_ns);

  // Cost per read: median of batches, each batch sized to take about 2 ms.
  constexpr int kBatches = 9;
  const uint64_t probe0 = now_ns();
  for (int i = 0; i < 256; ++i) (void)now_ns();
  const double rough_ns = std::max(1.0, static_cast<double>(now_ns() - probe0) / 256.0);
  const int reads = std::clamp(static_cast<int>(2e6 / rough_ns), 100, 200000);
  std::array<double, kBatches> per_read{};
  for (int b = 0; b < kBatches; ++b) {
    uint64_t sink = 0;
    const uint64_t t0 = now_ns();
    for (int i = 0; i < reads; ++i) sink += now_ns();
    const uint64_t t1 = now_ns();
    asm volatile("" : : "r"(sink) : "memory");
    per_read[static_cast<size_t>(b)] = static_cast<double>(t1 - t0) / reads;
  }
  std::nth_element(per_read.begin(), per_read.begin() + kBatches / 2, per_read.end());
  info.read_cost_ns = per_read[kBatches / 2];
  return info;
}

nlohmann::json to_json(const ClockInfo& c) {
  return {{"source", c.source}, {"resolution_ns", c.resolution_ns}, {"read_cost_ns", c.read_cost_ns}};
}

}  // namespace rpbench::measure
