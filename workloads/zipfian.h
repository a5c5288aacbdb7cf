// Zipf-distributed ranks over [0, n): P(k) proportional to 1/(k+1)^theta, rank 0 the most popular.
// Exact (to double precision) for any theta > 0, including exactly 1, and any n >= 1 up to 1e10
// and beyond; setup needs no zeta(n) sum, and n may grow at run time (set_n, O(1)).
//
// Method: a mixture of a head and a tail. With K = kHeadRanks and n > K, ranks 1..K (the head)
// are drawn with probability H_K / (H_K + T_n), where H_K = sum_{k<=K} k^-theta is summed once
// at construction and T_n = sum_{K<k<=n} k^-theta comes from the Euler-Maclaurin formula (its
// remainder is far below double precision at k > K), and then from Vose's alias table: one
// 64-bit random word gives the column (high bits) and the coin (the remaining low bits). The
// tail, ranks K+1..n, is drawn by rejection-inversion (W. Hoermann and G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS
// 6(3), 1996; as in Apache Commons RNG's RejectionInversionZipfSampler) restricted to
// [K+1, n]: the hat h(x) = x^-theta over [K+0.5, n+0.5], a uniform variate inverted through H,
// the integral of h, and accepted by a squeeze test or by comparing against H(k+0.5) - h(k).
// With n <= K there is no head: rejection-inversion covers [1, n] alone.
//
// Cost: a head draw is two random words and one load from the table (8 * kHeadRanks = 128 KiB,
// columns read uniformly); a tail draw costs one log and one exp (only an exp at theta == 1).
// The head takes 70% of the draws at theta 0.99 and n = 1e6, 41% at n = 1e10 (92% and 88% at
// theta 1.2, 13% and 0.1% at theta 0.5). kHeadRanks 2^14 beat 2^10 and 2^12 at theta 0.99 in
// bench_workloads (by 2-4 ns a draw), despite the unpredictable head-or-tail branch; the larger
// table fits L2 but not L1. Setup (the table) takes about 1 ms.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "workloads/rng.h"

namespace rpbench::workloads {

class ZipfianSampler {
 public:
  // Ranks served by the alias table when n exceeds it (a power of two).
  static constexpr int kHeadBits = 14;
  static constexpr uint64_t kHeadRanks = uint64_t{1} << kHeadBits;

  // n >= 1 items, theta > 0 (check_spec limits it to (0, 3]). O(kHeadRanks).
  ZipfianSampler(uint64_t n, double theta);

  // Changes the number of items: O(1), a few transcendental calls.
  void set_n(uint64_t n);
  uint64_t n() const { return n_; }
  double theta() const { return theta_; }

  // The probability that a draw comes from the alias table (ranks [0, kHeadRanks)): 0 when
  // n <= kHeadRanks, else H_K / (H_K + T_n). Exposed for tests.
  double head_probability() const { return head_probability_; }
  // The distribution the alias table encodes over ranks [0, kHeadRanks), rebuilt from its entries
  // (should be k^-theta / H_K for rank k - 1). O(kHeadRanks), for tests.
  std::vector<double> head_pmf() const;

  // A rank in [0, n).
  uint64_t sample(Rng& rng) const {
    if (rng.next() < head_threshold_) {
      const uint64_t r = rng.next();
      const uint64_t column = r >> kCoinBits;
      const uint64_t entry = head_table_[column];
      return (r & kCoinMask) < (entry >> kHeadBits) ? column : (entry & (kHeadRanks - 1));
    }
    return sample_tail(rng);
  }

 private:
  static constexpr int kCoinBits = 64 - kHeadBits;
  // From this theta on, H drops its constant term (1 / (theta - 1) <= 10 keeps it well scaled).
  static constexpr double kPowerFormTheta = 1.1;
  static constexpr uint64_t kCoinMask = (uint64_t{1} << kCoinBits) - 1;

  // Rejection-inversion over ranks [tail_start_, n]; returns rank - 1.
  uint64_t sample_tail(Rng& rng) const {
    for (;;) {
      const double u = h_integral_n_ + rng.next_double() * (h_integral_a_ - h_integral_n_);
      const double x = h_integral_inverse(u);
      double kd = std::floor(x + 0.5);
      if (!(kd >= tail_start_)) kd = tail_start_;  // also catches NaN
      if (kd > n_double_) kd = n_double_;
      // Squeeze: accept at once in most cases, without evaluating H and h again.
      if (kd - x <= s_ || u >= h_integral(kd + 0.5) - h(kd)) return static_cast<uint64_t>(kd) - 1;
    }
  }

  // (exp(x) - 1) / x and log(1 + x) / x, accurate near x = 0 (where theta is close to 1).
  static double expm1_over_x(double x) {
    if (std::fabs(x) > 1e-8) return std::expm1(x) / x;
    return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
  }
  static double log1p_over_x(double x) {
    if (std::fabs(x) > 1e-8) return std::log1p(x) / x;
    return 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
  }
  double h(double x) const { return std::exp(-theta_ * std::log(x)); }
  // H(x) = (x^(1-theta) - 1) / (1 - theta), or log(x) when theta == 1. Any antiderivative of h
  // will do: for theta >= kPowerFormTheta it is x^(1-theta) / (1 - theta) instead, which keeps
  // full relative precision where x^(1-theta) is tiny (the "- 1" form crowds large x into the
  // last bits of 1 / (theta - 1): at theta 3 ranks past 1e6 were no longer told apart).
  double h_integral(double x) const {
    const double log_x = std::log(x);
    if (power_form_) return std::exp((1.0 - theta_) * log_x) * one_over_one_minus_theta_;
    return expm1_over_x((1.0 - theta_) * log_x) * log_x;
  }
  // H^-1(x) = (1 + (1 - theta) x)^(1 / (1 - theta)), or exp(x) when theta == 1, or
  // ((1 - theta) x)^(1 / (1 - theta)) in the power form.
  double h_integral_inverse(double x) const {
    double t = x * (1.0 - theta_);
    if (power_form_) return std::exp(std::log(t) * one_over_one_minus_theta_);
    if (t < -1.0) t = -1.0;  // rounding can push t just past the pole
    // log(1 + t) is twice as fast as log1p(t); away from t = 0 the rounding of 1 + t moves the
    // result by under 1e-12 relative, far below what sampling can detect.
    if (std::fabs(t) >= 1e-3) return std::exp(std::log(1.0 + t) * one_over_one_minus_theta_);
    return std::exp(log1p_over_x(t) * x);
  }
  // sum_{k=a}^{b} k^-theta for kHeadRanks < a <= b by Euler-Maclaurin (terms up to B4).
  double tail_sum(double a, double b) const;
  // Sets the tail's range to [a, n] (a = 1 or kHeadRanks + 1).
  void set_tail_start(double a);

  uint64_t n_;
  double n_double_;
  double theta_;
  double one_over_one_minus_theta_;  // infinite at theta == 1, where the branch using it is never taken
  bool power_form_;                  // theta >= kPowerFormTheta: H(x) = x^(1-theta) / (1 - theta)
  double head_sum_;                  // H_K = sum_{k=1}^{K} k^-theta
  double head_probability_ = 0;
  uint64_t head_threshold_ = 0;  // head_probability_ * 2^64: a draw goes to the head if next() is below
  double tail_start_ = 0;        // a: the tail covers ranks [a, n]
  double h_integral_a_ = 0;      // H(a + 0.5) - h(a)
  double h_integral_n_ = 0;      // H(n + 0.5)
  double s_ = 0;                 // squeeze: (a + 1) - H^-1(H(a + 1.5) - h(a + 1))
  // Vose's alias table over ranks 1..K: entry = (coin threshold << kHeadBits) | alias column,
  // the threshold a kCoinBits-bit fixed-point probability of keeping the column.
  std::vector<uint64_t> head_table_;
};

}  // namespace rpbench::workloads
