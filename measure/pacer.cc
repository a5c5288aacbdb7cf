#include "measure/pacer.h"

#include <time.h>

#include <cerrno>
#include <cmath>
#include <stdexcept>
#include <string>

#include "measure/clock.h"

namespace rpbench::measure {

namespace {
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}
}  // namespace

Pacer::Pacer(double ops_per_s, Arrival arrival, uint64_t seed, uint64_t start_ns)
    : rate_(ops_per_s), arrival_(arrival), start_ns_(start_ns), period_ns_(0), rng_(seed) {
  if (!std::isfinite(ops_per_s) || ops_per_s <= 0) {
    throw std::invalid_argument("Pacer: rate " + std::to_string(ops_per_s) + " ops/s must be finite and > 0");
  }
  period_ns_ = 1e9 / ops_per_s;
}

uint64_t Pacer::next_intended_ns() {
  if (arrival_ == Arrival::kUniform) {
    // From the op's index, not by accumulation, so rounding never drifts.
    const double off = static_cast<double>(issued_++) * period_ns_;
    return start_ns_ + static_cast<uint64_t>(std::llround(off));
  }
  // Exponential gap by inversion: -ln(1 - u) * mean, u uniform in [0, 1).
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  offset_ns_ += -std::log1p(-u) * period_ns_;
  return start_ns_ + static_cast<uint64_t>(std::llround(offset_ns_));
}

void wait_until_ns(uint64_t t_ns, uint64_t spin_ns) {
  uint64_t now = now_ns();
  if (now >= t_ns) return;
  if (t_ns - now > spin_ns) {
    const uint64_t wake = t_ns - spin_ns;
    timespec ts{static_cast<time_t>(wake / 1'000'000'000ull), static_cast<long>(wake % 1'000'000'000ull)};
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {}
  }
  while (now_ns() < t_ns) cpu_relax();
}

}  // namespace rpbench::measure
