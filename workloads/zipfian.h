// Zipf-distributed ranks over [0, n) by rejection-inversion: P(k) proportional to 1/(k+1)^theta,
// rank 0 the most popular. Setup is O(1) (no zeta(n) sum), so n may be 1e10 or more and may grow
// at run time (set_n), and any theta > 0 works, including exactly 1.
//
// Method: W. Hoermann and G. Derflinger, "Rejection-inversion to generate variates from monotone
// discrete distributions", ACM Transactions on Modeling and Computer Simulation 6(3), 1996,
// as also implemented by Apache Commons RNG (RejectionInversionZipfSampler). The hat function is
// h(x) = x^-theta over [0.5, n + 0.5]; a uniform variate is inverted through H, the integral of h,
// and accepted either by a cheap squeeze test or by comparing against H(k + 0.5) - h(k).
//
// Cost: one log and one exp per draw (only an exp at theta == 1); rejections are rare. A table
// of the most popular ranks' intervals (which depend on theta only) was tried and dropped: the
// unpredictable head-or-tail branch ate the gain (from -20% to +20% by theta) for 6 KB of cache.
#pragma once
#include <cmath>
#include <cstdint>

#include "workloads/rng.h"

namespace rpbench::workloads {

class ZipfianSampler {
 public:
  // n >= 1 items, theta > 0 (check_spec limits it to (0, 3]).
  ZipfianSampler(uint64_t n, double theta);

  // Changes the number of items: O(1), as cheap as a sample.
  void set_n(uint64_t n);
  uint64_t n() const { return n_; }
  double theta() const { return theta_; }

  // A rank in [0, n).
  uint64_t sample(Rng& rng) const {
    for (;;) {
      const double u = h_integral_n_ + rng.next_double() * (h_integral_x1_ - h_integral_n_);
      const double x = h_integral_inverse(u);
      double kd = std::floor(x + 0.5);
      if (!(kd >= 1.0)) kd = 1.0;  // also catches NaN
      if (kd > n_double_) kd = n_double_;
      // Squeeze: accept at once in most cases, without evaluating H and h again.
      if (kd - x <= s_ || u >= h_integral(kd + 0.5) - h(kd)) return static_cast<uint64_t>(kd) - 1;
    }
  }

 private:
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
  // H(x) = (x^(1-theta) - 1) / (1 - theta), or log(x) when theta == 1.
  double h_integral(double x) const {
    const double log_x = std::log(x);
    return expm1_over_x((1.0 - theta_) * log_x) * log_x;
  }
  // H^-1(x) = (1 + (1 - theta) x)^(1 / (1 - theta)), or exp(x) when theta == 1.
  double h_integral_inverse(double x) const {
    double t = x * (1.0 - theta_);
    if (t < -1.0) t = -1.0;  // rounding can push t just past the pole
    // log(1 + t) is twice as fast as log1p(t); away from t = 0 the rounding of 1 + t moves the
    // result by under 1e-12 relative, far below what sampling can detect.
    if (std::fabs(t) >= 1e-3) return std::exp(std::log(1.0 + t) * one_over_one_minus_theta_);
    return std::exp(log1p_over_x(t) * x);
  }

  uint64_t n_;
  double n_double_;
  double theta_;
  double one_over_one_minus_theta_;  // infinite at theta == 1, where the branch using it is never taken
  double h_integral_x1_;
  double h_integral_n_;
  double s_;
};

}  // namespace rpbench::workloads
