// Open-loop pacing. A Pacer hands out the intended start time of each operation on a fixed
// schedule (uniform spacing, or Poisson arrivals with exponential gaps) that is computed from the
// start time and the rate alone: it never shifts because the caller fell behind. Measuring each
// op's latency from its intended start therefore charges a stall (a fork pause, say) to every op
// it delayed, which is how coordinated omission is avoided.
#pragma once
#include <cstdint>
#include <random>

namespace rpbench::measure {

enum class Arrival { kUniform, kPoisson };

class Pacer {
 public:
  // ops_per_s must be finite and > 0 (std::invalid_argument otherwise). The first intended time
  // is start_ns (uniform) or start_ns plus one exponential gap (Poisson). seed drives the gaps.
  Pacer(double ops_per_s, Arrival arrival, uint64_t seed, uint64_t start_ns);

  // The next op's intended start time, in now_ns() units. Non-decreasing.
  uint64_t next_intended_ns();

  double ops_per_s() const { return rate_; }
  Arrival arrival() const { return arrival_; }

 private:
  double rate_;
  Arrival arrival_;
  uint64_t start_ns_;
  double period_ns_;
  uint64_t issued_ = 0;     // uniform: ops handed out so far
  double offset_ns_ = 0.0;  // Poisson: sum of the gaps so far
  std::mt19937_64 rng_;
};

// Waits until now_ns() >= t_ns: sleeps (clock_nanosleep, absolute) for all but the last
// `spin_ns` of a long wait, then spins with a pause instruction. Returns at once if t_ns is in the
// past. On virtual machines a sleeping thread may wake milliseconds late (the vCPU is halted and
// the host reschedules it), and in open loop that lateness counts as latency: a spin window
// larger than the gaps between ops keeps the harness's own wake-ups out of the figures, at the
// price of one busy core per client thread.
void wait_until_ns(uint64_t t_ns, uint64_t spin_ns = 50'000);

}  // namespace rpbench::measure
