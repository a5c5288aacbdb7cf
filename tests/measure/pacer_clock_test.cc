// Clock and open-loop pacing: uniform spacing is exact, Poisson has the asked mean rate, and the
// schedule never shifts because the caller stalled.
#include <time.h>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "measure/clock.h"
#include "measure/pacer.h"

namespace rpbench::measure {
namespace {

TEST(Clock, NowIsMonotonic) {
  uint64_t prev = now_ns();
  for (int i = 0; i < 100'000; ++i) {
    const uint64_t t = now_ns();
    ASSERT_GE(t, prev);
    prev = t;
  }
}

TEST(Clock, MeasureClockDescribesItself) {
  const ClockInfo c = measure_clock();
  if (tsc_calibration().usable) {
    EXPECT_EQ(c.source.rfind("rdtsc (invariant TSC", 0), 0u) << c.source;
  } else {
    EXPECT_EQ(c.source, "clock_gettime(CLOCK_MONOTONIC)");
  }
  EXPECT_GT(c.resolution_ns, 0.0);
  EXPECT_GT(c.read_cost_ns, 0.0);
  const auto j = to_json(c);
  EXPECT_EQ(j.at("source"), c.source);
  EXPECT_DOUBLE_EQ(j.at("resolution_ns").get<double>(), c.resolution_ns);
  EXPECT_DOUBLE_EQ(j.at("read_cost_ns").get<double>(), c.read_cost_ns);
  EXPECT_EQ(j.size(), 3u);
}

TEST(Clock, TscAgreesWithClockMonotonic) {
  // Whatever the source, now_ns() tracks CLOCK_MONOTONIC: over 50 ms the two advance by the same
  // amount within 0.1% (plus the cost of the reads), and now_ns() never goes backwards.
  const uint64_t n0 = now_ns(), m0 = monotonic_ns();
  uint64_t prev = n0;
  const uint64_t until = m0 + 50'000'000;
  while (monotonic_ns() < until) {
    const uint64_t n = now_ns();
    ASSERT_GE(n, prev);
    prev = n;
  }
  const uint64_t n1 = now_ns(), m1 = monotonic_ns();
  const double dn = static_cast<double>(n1 - n0), dm = static_cast<double>(m1 - m0);
  EXPECT_NEAR(dn / dm, 1.0, 1e-3);
  // The two clocks share an origin (the TSC is anchored to CLOCK_MONOTONIC when calibrated).
  EXPECT_NEAR(static_cast<double>(n1), static_cast<double>(m1), 5e6);
}

TEST(Pacer, UniformSpacingIsExact) {
  Pacer p(1000.0, Arrival::kUniform, 7, 5'000);
  for (uint64_t i = 0; i < 10'000; ++i) ASSERT_EQ(p.next_intended_ns(), 5'000 + i * 1'000'000);
}

TEST(Pacer, UniformWithFractionalPeriodDoesNotDrift) {
  Pacer p(3.0, Arrival::kUniform, 7, 0);
  uint64_t prev = p.next_intended_ns();
  EXPECT_EQ(prev, 0u);
  for (int i = 1; i <= 3000; ++i) {
    const uint64_t t = p.next_intended_ns();
    const uint64_t gap = t - prev;
    ASSERT_TRUE(gap == 333'333'333 || gap == 333'333'334) << gap;
    prev = t;
  }
  EXPECT_EQ(prev, 1'000'000'000'000ull);  // op 3000 at exactly 1000 s
}

TEST(Pacer, PoissonHasTheMeanRateAndExponentialGaps) {
  constexpr double kRate = 100'000;  // mean gap 10 us
  constexpr int kN = 200'000;
  Pacer p(kRate, Arrival::kPoisson, 42, 1'000);
  uint64_t prev = 1'000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kN; ++i) {
    const uint64_t t = p.next_intended_ns();
    ASSERT_GE(t, prev);
    const double gap = static_cast<double>(t - prev);
    sum += gap;
    sum_sq += gap * gap;
    prev = t;
  }
  const double mean = sum / kN;
  const double sd = std::sqrt(sum_sq / kN - mean * mean);
  // Standard error of the mean is mean/sqrt(N) = 0.22%: 1% is > 4 sigma.
  EXPECT_NEAR(mean, 1e9 / kRate, 0.01 * 1e9 / kRate);
  // Exponential: standard deviation equals the mean.
  EXPECT_NEAR(sd / mean, 1.0, 0.03);
  const double achieved_rate = kN / (static_cast<double>(prev - 1'000) / 1e9);
  EXPECT_NEAR(achieved_rate, kRate, 0.01 * kRate);
}

TEST(Pacer, PoissonIsSeeded) {
  Pacer a(5000, Arrival::kPoisson, 9, 0), b(5000, Arrival::kPoisson, 9, 0), c(5000, Arrival::kPoisson, 10, 0);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t ta = a.next_intended_ns();
    ASSERT_EQ(ta, b.next_intended_ns());
    differs |= ta != c.next_intended_ns();
  }
  EXPECT_TRUE(differs);
}

TEST(Pacer, BadRateThrows) {
  EXPECT_THROW(Pacer(0, Arrival::kUniform, 1, 0), std::invalid_argument);
  EXPECT_THROW(Pacer(-5, Arrival::kPoisson, 1, 0), std::invalid_argument);
  EXPECT_THROW(Pacer(std::nan(""), Arrival::kUniform, 1, 0), std::invalid_argument);
  EXPECT_THROW(Pacer(INFINITY, Arrival::kUniform, 1, 0), std::invalid_argument);
}

// The caller stalls 50 ms in the middle of a run: the intended times stay on the original schedule,
// so the latency measured from them for the ops after the stall includes the stall.
TEST(Pacer, ScheduleDoesNotShiftAfterTheCallerStalls) {
  for (Arrival arrival : {Arrival::kUniform, Arrival::kPoisson}) {
    const uint64_t start = now_ns();
    Pacer paced(20'000, arrival, 3, start);      // 50 us apart on average
    Pacer reference(20'000, arrival, 3, start);  // never waits
    for (int i = 0; i < 20; ++i) {
      const uint64_t t = paced.next_intended_ns();
      ASSERT_EQ(t, reference.next_intended_ns());
      wait_until_ns(t);
    }
    const uint64_t stall_begin = now_ns();
    timespec ts{0, 50'000'000};
    while (::nanosleep(&ts, &ts) != 0) {}
    const uint64_t t = paced.next_intended_ns();
    ASSERT_EQ(t, reference.next_intended_ns());
    EXPECT_LT(t, stall_begin + 1'000'000);  // still where the schedule said, not after the stall
    const uint64_t latency = now_ns() - t;  // what the driver would record for this op
    EXPECT_GE(latency, 49'000'000u);
    // The following ops are behind schedule too; they keep their intended times.
    for (int i = 0; i < 100; ++i) ASSERT_EQ(paced.next_intended_ns(), reference.next_intended_ns());
  }
}

TEST(Pacer, WaitUntilNeverReturnsEarly) {
  for (uint64_t delta : {0ull, 5'000ull, 40'000ull, 200'000ull, 3'000'000ull}) {
    const uint64_t target = now_ns() + delta;
    wait_until_ns(target);
    EXPECT_GE(now_ns(), target) << delta;
  }
  wait_until_ns(0);  // the past: returns at once
}

}  // namespace
}  // namespace rpbench::measure
