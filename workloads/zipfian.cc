#include "workloads/zipfian.h"

#include <stdexcept>
#include <string>

namespace rpbench::workloads {

ZipfianSampler::ZipfianSampler(uint64_t n, double theta) : n_(0), n_double_(0), theta_(theta) {
  if (!(theta > 0.0) || !std::isfinite(theta)) {
    throw std::invalid_argument("zipfian: theta " + std::to_string(theta) + " must be > 0");
  }
  one_over_one_minus_theta_ = theta == 1.0 ? HUGE_VAL : 1.0 / (1.0 - theta);
  power_form_ = theta >= kPowerFormTheta;

  // Vose's alias method over weights k^-theta, k = 1..K (bookkeeping in extended precision).
  // Every column holds 1/K of the mass: its own rank with probability prob[j], else its alias.
  constexpr size_t kK = kHeadRanks;
  std::vector<long double> prob(kK);
  long double sum = 0;
  for (size_t k = kK; k >= 1; --k) sum += prob[k - 1] = std::exp(-theta * std::log(static_cast<double>(k)));
  head_sum_ = static_cast<double>(sum);
  for (auto& p : prob) p = p * kK / sum;
  std::vector<uint32_t> alias(kK), small, large;
  small.reserve(kK);
  large.reserve(kK);
  for (size_t j = 0; j < kK; ++j) {
    alias[j] = static_cast<uint32_t>(j);
    (prob[j] < 1 ? small : large).push_back(static_cast<uint32_t>(j));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back(), l = large.back();
    small.pop_back();
    alias[s] = l;
    prob[l] = (prob[l] + prob[s]) - 1;
    if (prob[l] < 1) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left holds (up to rounding) exactly its own share: keep it whole.
  for (uint32_t j : small) prob[j] = 1, alias[j] = j;
  for (uint32_t j : large) prob[j] = 1, alias[j] = j;
  head_table_.resize(kK);
  constexpr long double kCoinScale = static_cast<long double>(uint64_t{1} << kCoinBits);
  for (size_t j = 0; j < kK; ++j) {
    long double t = std::round(prob[j] * kCoinScale);
    if (t < 0) t = 0;
    if (t > static_cast<long double>(kCoinMask)) t = static_cast<long double>(kCoinMask);
    if (alias[j] == j) t = static_cast<long double>(kCoinMask);  // the coin's outcome does not matter
    head_table_[j] = (static_cast<uint64_t>(t) << kHeadBits) | alias[j];
  }
  set_n(n);
}

std::vector<double> ZipfianSampler::head_pmf() const {
  std::vector<long double> p(kHeadRanks, 0.0L);
  constexpr long double kColumn = 1.0L / kHeadRanks;
  constexpr long double kCoinScale = static_cast<long double>(uint64_t{1} << kCoinBits);
  for (uint64_t j = 0; j < kHeadRanks; ++j) {
    // The coin keeps column j when the low kCoinBits bits are below the threshold.
    const long double keep = static_cast<long double>(head_table_[j] >> kHeadBits) / kCoinScale;
    const uint64_t alias = head_table_[j] & (kHeadRanks - 1);
    p[j] += kColumn * (alias == j ? 1.0L : keep);
    if (alias != j) p[alias] += kColumn * (1.0L - keep);
  }
  return {p.begin(), p.end()};
}

double ZipfianSampler::tail_sum(double a, double b) const {
  const double log_ratio = std::log(b / a);
  // integral_a^b x^-theta dx = a^(1-theta) ((b/a)^(1-theta) - 1) / (1 - theta), without cancellation.
  const double integral = std::exp((1.0 - theta_) * std::log(a)) * expm1_over_x((1.0 - theta_) * log_ratio) * log_ratio;
  const double fa = std::exp(-theta_ * std::log(a)), fb = std::exp(-theta_ * std::log(b));
  // f'(x) = -theta x^(-theta-1), f'''(x) = -theta (theta+1) (theta+2) x^(-theta-3).
  const double d1 = -theta_ * (fb / b - fa / a);
  const double d3 = -theta_ * (theta_ + 1) * (theta_ + 2) * (fb / (b * b * b) - fa / (a * a * a));
  return integral + 0.5 * (fa + fb) + d1 / 12.0 - d3 / 720.0;
}

void ZipfianSampler::set_tail_start(double a) {
  if (a == tail_start_) return;
  tail_start_ = a;
  // Every u above H(a + 0.5) - h(a) that rounds to a is accepted. For k > a the squeeze accepts
  // x >= k - s_, within k's acceptance region because k - H^-1(H(k + 0.5) - h(k)) grows with k
  // (towards 1/2; checked in extended precision for theta in [0.01, 3] and a in {1, 1025, 4097,
  // 16385}), so its least value, at k = a + 1, is s_.
  h_integral_a_ = h_integral(a + 0.5) - h(a);
  s_ = (a + 1.0) - h_integral_inverse(h_integral(a + 1.5) - h(a + 1.0));
}

void ZipfianSampler::set_n(uint64_t n) {
  if (n == 0) throw std::invalid_argument("zipfian: the item count must be >= 1");
  n_ = n;
  n_double_ = static_cast<double>(n);
  h_integral_n_ = h_integral(n_double_ + 0.5);
  if (n <= kHeadRanks) {
    set_tail_start(1.0);
    head_probability_ = 0;
    head_threshold_ = 0;
    return;
  }
  const double a = static_cast<double>(kHeadRanks + 1);
  set_tail_start(a);
  head_probability_ = head_sum_ / (head_sum_ + tail_sum(a, n_double_));
  head_threshold_ = static_cast<uint64_t>(head_probability_ * 0x1p64);  // < 2^64: the probability is < 1
}

}  // namespace rpbench::workloads
