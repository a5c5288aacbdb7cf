// Goodness-of-fit helpers for the statistical tests: Pearson's chi-square with bins merged until
// each expects at least 5, and the critical value by the Wilson-Hilferty approximation.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace rpbench::workloads::testing {

// z such that P(Z > z) = 0.001 for a standard normal.
inline constexpr double kZ999 = 3.090232306167813;

struct ChiSquare {
  double statistic = 0;
  int df = 0;
  double critical = 0;  // reject above this (p < 0.001)
  bool passes() const { return statistic <= critical; }
  std::string describe() const {
    return "chi2 = " + std::to_string(statistic) + ", df = " + std::to_string(df) +
           ", critical(p=0.001) = " + std::to_string(critical);
  }
};

// Upper critical value of chi-square with df degrees of freedom, exceeded with probability
// P(Z > z): Wilson and Hilferty (1931), chi2/df is close to normal after a cube root.
inline double chi_square_critical(int df, double z = kZ999) {
  const double k = 2.0 / (9.0 * df);
  const double c = 1.0 - k + z * std::sqrt(k);
  return df * c * c * c;
}

// observed[i] against expected[i] (same total); consecutive bins merged while the expected count
// of a bin is below 5 (a remainder joins the last bin).
inline ChiSquare chi_square(const std::vector<double>& observed, const std::vector<double>& expected) {
  std::vector<std::pair<double, double>> bins;
  double o = 0, e = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    o += observed[i];
    e += expected[i];
    if (e >= 5.0) {
      bins.emplace_back(o, e);
      o = e = 0;
    }
  }
  if (e > 0 || o > 0) {
    if (bins.empty()) {
      bins.emplace_back(o, e);
    } else {
      bins.back().first += o;
      bins.back().second += e;
    }
  }
  ChiSquare r;
  for (const auto& [ob, ex] : bins) r.statistic += (ob - ex) * (ob - ex) / ex;
  r.df = static_cast<int>(bins.size()) - 1;
  r.critical = chi_square_critical(r.df);
  return r;
}

// Exact zipfian pmf over n ranks: p[k] proportional to 1 / (k + 1)^theta.
inline std::vector<double> zipf_pmf(uint64_t n, double theta) {
  std::vector<double> p(n);
  double sum = 0;
  for (uint64_t k = 0; k < n; ++k) sum += p[k] = std::pow(static_cast<double>(k + 1), -theta);
  for (auto& v : p) v /= sum;
  return p;
}

}  // namespace rpbench::workloads::testing
