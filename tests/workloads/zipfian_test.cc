// The zipfian sampler (alias-table head, rejection-inversion tail) against the exact pmf, and at
// the edges of its range.
#include "workloads/zipfian.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "stats_util.h"
#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

using testing::chi_square;
using testing::zipf_pmf;

class StatisticalZipfian : public ::testing::TestWithParam<double> {};

TEST_P(StatisticalZipfian, MatchesExactPmfByChiSquare) {
  const double theta = GetParam();
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  ZipfianSampler sampler(kN, theta);
  Rng rng(12345);
  std::vector<double> observed(kN, 0.0);
  for (int i = 0; i < kSamples; ++i) {
    const uint64_t k = sampler.sample(rng);
    ASSERT_LT(k, kN);
    observed[k] += 1;
  }
  const auto pmf = zipf_pmf(kN, theta);
  std::vector<double> expected(kN);
  for (uint64_t k = 0; k < kN; ++k) expected[k] = pmf[k] * kSamples;
  const auto result = chi_square(observed, expected);
  EXPECT_TRUE(result.passes()) << "theta " << theta << ": " << result.describe();
  // Rank 0 is the most popular (at theta 0.01 all ranks are within 7% of each other: noise decides).
  if (theta >= 0.5) {
    for (uint64_t k = 1; k < kN; ++k) ASSERT_GE(observed[0], observed[k]) << "theta " << theta;
  }
}

INSTANTIATE_TEST_SUITE_P(Thetas, StatisticalZipfian, ::testing::Values(0.01, 0.5, 0.99, 1.0, 1.2, 3.0));

// The chi-square test must be able to fail: samples from a neighbouring theta are rejected.
TEST(StatisticalZipfianPower, RejectsAWrongTheta) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  ZipfianSampler sampler(kN, 0.95);
  Rng rng(7);
  std::vector<double> observed(kN, 0.0);
  for (int i = 0; i < kSamples; ++i) observed[sampler.sample(rng)] += 1;
  const auto pmf = zipf_pmf(kN, 0.99);
  std::vector<double> expected(kN);
  for (uint64_t k = 0; k < kN; ++k) expected[k] = pmf[k] * kSamples;
  EXPECT_FALSE(chi_square(observed, expected).passes());
}

// n = 200000 spans the alias-table head and the rejection-inversion tail: ranks 0..99 one bin
// each, then geometric bins (with a boundary where the tail starts), expected counts summed from
// the exact pmf (normalised by direct summation, independent of the sampler's Euler-Maclaurin).
class StatisticalZipfianHeadAndTail : public ::testing::TestWithParam<double> {};

TEST_P(StatisticalZipfianHeadAndTail, MatchesExactPmfByChiSquare) {
  const double theta = GetParam();
  constexpr uint64_t kN = 200'000;
  constexpr int kSamples = 1'000'000;
  static_assert(ZipfianSampler::kHeadRanks < kN);
  std::vector<uint64_t> bin_start;  // bin i covers ranks [bin_start[i], bin_start[i + 1])
  for (uint64_t k = 0; k < 100; ++k) bin_start.push_back(k);
  for (double edge = 100; edge < static_cast<double>(kN); edge *= 1.05) {
    const auto k = static_cast<uint64_t>(edge);
    if (k > bin_start.back()) bin_start.push_back(k);
  }
  bin_start.push_back(ZipfianSampler::kHeadRanks);
  std::sort(bin_start.begin(), bin_start.end());
  bin_start.erase(std::unique(bin_start.begin(), bin_start.end()), bin_start.end());
  bin_start.push_back(kN);
  std::vector<size_t> bin_of(kN);
  for (size_t b = 0; b + 1 < bin_start.size(); ++b) {
    for (uint64_t k = bin_start[b]; k < bin_start[b + 1]; ++k) bin_of[k] = b;
  }
  const size_t bins = bin_start.size() - 1;

  ZipfianSampler sampler(kN, theta);
  EXPECT_GT(sampler.head_probability(), 0.0);
  Rng rng(20240601);
  std::vector<double> observed(bins, 0.0);
  uint64_t tail_draws = 0;
  for (int i = 0; i < kSamples; ++i) {
    const uint64_t k = sampler.sample(rng);
    ASSERT_LT(k, kN);
    observed[bin_of[k]] += 1;
    tail_draws += k >= ZipfianSampler::kHeadRanks;
  }
  const auto pmf = zipf_pmf(kN, theta);
  std::vector<double> expected(bins, 0.0);
  double expected_tail = 0;
  for (uint64_t k = 0; k < kN; ++k) {
    expected[bin_of[k]] += pmf[k] * kSamples;
    if (k >= ZipfianSampler::kHeadRanks) expected_tail += pmf[k] * kSamples;
  }
  const auto result = chi_square(observed, expected);
  EXPECT_TRUE(result.passes()) << "theta " << theta << ": " << result.describe();
  EXPECT_GT(result.df, 100) << "theta " << theta;
  EXPECT_NEAR(static_cast<double>(tail_draws), expected_tail, 5 * std::sqrt(expected_tail) + 1) << "theta " << theta;
}

INSTANTIATE_TEST_SUITE_P(Thetas, StatisticalZipfianHeadAndTail, ::testing::Values(0.5, 0.99, 1.0, 1.2, 2.0));

// The alias table encodes exactly (to double precision) k^-theta / H_K over the head.
TEST(Zipfian, AliasTableEncodesTheHeadPmf) {
  constexpr uint64_t kK = ZipfianSampler::kHeadRanks;
  for (double theta : {0.01, 0.5, 0.99, 1.0, 1.2, 3.0}) {
    const auto pmf = zipf_pmf(kK, theta);
    const auto got = ZipfianSampler(1'000'000, theta).head_pmf();
    ASSERT_EQ(got.size(), kK);
    double worst = 0;
    for (uint64_t k = 0; k < kK; ++k) worst = std::max(worst, std::fabs(got[k] - pmf[k]) / pmf[k]);
    // About 1e-14 relative from rounding; at theta 3 rank K - 1 holds 2e-13 of the mass and the
    // 50-bit coin moves mass in steps of 2^-50 / K (measured: 1.4e-7 relative).
    EXPECT_LT(worst, theta >= 3.0 ? 1e-6 : 1e-12) << "theta " << theta;
  }
}

// Partial sums sum_{k=1}^{m} k^-theta at the given m (ascending), by direct summation in
// extended precision, smallest terms first within each checkpoint.
std::vector<long double> direct_harmonic(double theta, const std::vector<uint64_t>& at) {
  std::vector<long double> out;
  long double sum = 0;
  uint64_t done = 0;
  for (uint64_t m : at) {
    long double part = 0;
    for (uint64_t k = m; k > done; --k) part += std::pow(static_cast<double>(k), -theta);
    sum += part;
    done = m;
    out.push_back(sum);
  }
  return out;
}

// The head's share H_K / H_n (K = kHeadRanks) against direct sums: Euler-Maclaurin from K + 1
// in the sampler must agree to 1e-12 relative, and set_n must give what a new sampler gives.
TEST(Zipfian, HeadProbabilityMatchesDirectSum) {
  constexpr uint64_t kK = ZipfianSampler::kHeadRanks;
  constexpr uint64_t kDirectMax = 10'000'000;
  for (double theta : {0.01, 0.5, 0.99, 1.0, 1.0 + 1e-9, 1.2, 3.0}) {
    const std::vector<uint64_t> sizes = {kK + 1, kK + 2, 100'000, 1'000'000, kDirectMax};
    const auto sums = direct_harmonic(theta, {kK, kK + 1, kK + 2, 100'000, 1'000'000, kDirectMax});
    const long double head = sums[0];
    ZipfianSampler moving(1'000'000, theta);
    for (size_t i = 0; i < sizes.size(); ++i) {
      const double want = static_cast<double>(head / sums[i + 1]);
      ZipfianSampler fresh(sizes[i], theta);
      EXPECT_NEAR(fresh.head_probability(), want, 1e-12 * want) << "theta " << theta << " n " << sizes[i];
      moving.set_n(sizes[i]);
      EXPECT_EQ(moving.head_probability(), fresh.head_probability()) << "theta " << theta << " n " << sizes[i];
    }
    // Beyond the direct sums: the direct sum to 1e7 plus an Euler-Maclaurin tail split there
    // (not at K + 1 as in the sampler), whose next term is below 1e-20 relative.
    for (uint64_t n : {uint64_t{1'000'000'000}, uint64_t{10'000'000'000ULL}}) {
      const double a = static_cast<double>(kDirectMax), b = static_cast<double>(n);
      auto f = [theta](double x) { return std::pow(x, -theta); };
      auto df = [theta](double x) { return -theta * std::pow(x, -theta - 1); };
      const double integral = theta == 1.0
                                  ? std::log(b / a)
                                  : std::pow(a, 1 - theta) * std::expm1((1 - theta) * std::log(b / a)) / (1 - theta);
      const long double total = sums.back() + integral + (f(b) - f(a)) / 2 + (df(b) - df(a)) / 12;
      const double want = static_cast<double>(head / total);
      ZipfianSampler fresh(n, theta);
      EXPECT_NEAR(fresh.head_probability(), want, 1e-12 * want) << "theta " << theta << " n " << n;
      moving.set_n(n);
      EXPECT_EQ(moving.head_probability(), fresh.head_probability()) << "theta " << theta << " n " << n;
    }
    // Back to n <= K: no head, every draw by rejection-inversion over [1, n].
    for (uint64_t n : {uint64_t{1}, uint64_t{100}, kK}) {
      moving.set_n(n);
      EXPECT_EQ(moving.head_probability(), 0.0);
      EXPECT_EQ(ZipfianSampler(n, theta).head_probability(), 0.0);
      Rng rng(8);
      for (int i = 0; i < 1000; ++i) ASSERT_LT(moving.sample(rng), n);
    }
  }
}

// Generalized harmonic number sum_{k=1..n} k^-theta: exact head, Euler-Maclaurin tail.
double harmonic(uint64_t n, double theta) {
  const uint64_t m = std::min<uint64_t>(n, 100000);
  double sum = 0;
  for (uint64_t k = m; k >= 1; --k) sum += std::pow(static_cast<double>(k), -theta);
  if (n == m) return sum;
  const double a = static_cast<double>(m), b = static_cast<double>(n);
  auto f = [theta](double x) { return std::pow(x, -theta); };
  auto df = [theta](double x) { return -theta * std::pow(x, -theta - 1); };
  const double integral =
      theta == 1.0 ? std::log(b / a) : (std::pow(b, 1 - theta) - std::pow(a, 1 - theta)) / (1 - theta);
  return sum + integral + (f(b) - f(a)) / 2 + (df(b) - df(a)) / 12;
}

class StatisticalZipfianHuge : public ::testing::TestWithParam<double> {};

// n = 1e10: values in range, no overflow, the head of the distribution where it should be.
TEST_P(StatisticalZipfianHuge, TenBillionItems) {
  const double theta = GetParam();
  constexpr uint64_t kN = 10'000'000'000ULL;
  constexpr int kSamples = 400'000;
  ZipfianSampler sampler(kN, theta);
  Rng rng(99);
  uint64_t rank0 = 0, rank1 = 0, beyond_1e9 = 0, max_seen = 0;
  for (int i = 0; i < kSamples; ++i) {
    const uint64_t k = sampler.sample(rng);
    ASSERT_LT(k, kN);
    rank0 += k == 0;
    rank1 += k == 1;
    beyond_1e9 += k >= 1'000'000'000ULL;
    max_seen = std::max(max_seen, k);
  }
  const double h = harmonic(kN, theta);
  const double expected0 = kSamples / h;
  const double expected1 = kSamples * std::pow(2.0, -theta) / h;
  EXPECT_NEAR(static_cast<double>(rank0), expected0, 5 * std::sqrt(expected0) + 1) << "theta " << theta;
  EXPECT_NEAR(static_cast<double>(rank1), expected1, 5 * std::sqrt(expected1) + 1) << "theta " << theta;
  // The share of ranks >= 1e9 is H-tail / H: reachable, and right.
  const double tail = (h - harmonic(1'000'000'000ULL, theta)) / h;
  const double expected_tail = kSamples * tail;
  EXPECT_NEAR(static_cast<double>(beyond_1e9), expected_tail, 5 * std::sqrt(expected_tail) + 1) << "theta " << theta;
}

INSTANTIATE_TEST_SUITE_P(Thetas, StatisticalZipfianHuge, ::testing::Values(0.5, 0.99, 1.0));

TEST(Zipfian, ExtremeThetasStayInRange) {
  for (double theta : {1e-9, 1e-3, 1.0 - 1e-12, 1.0, 1.0 + 1e-12, 2.999, 3.0}) {
    for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{1000}, uint64_t{10'000'000'000ULL}, uint64_t{1} << 48}) {
      ZipfianSampler sampler(n, theta);
      Rng rng(3);
      for (int i = 0; i < 20000; ++i) ASSERT_LT(sampler.sample(rng), n) << "theta " << theta << " n " << n;
    }
  }
}

TEST(Zipfian, ThetaThreeIsDominatedByRankZero) {
  // P(0) = 1 / zeta(3) = 0.8319 for a large n.
  ZipfianSampler sampler(10'000'000'000ULL, 3.0);
  Rng rng(5);
  int zeros = 0;
  constexpr int kSamples = 200000;
  for (int i = 0; i < kSamples; ++i) zeros += sampler.sample(rng) == 0;
  EXPECT_NEAR(static_cast<double>(zeros) / kSamples, 1.0 / 1.2020569031595942, 0.005);
}

TEST(Zipfian, NearZeroThetaIsAlmostUniform) {
  constexpr uint64_t kN = 100;
  ZipfianSampler sampler(kN, 1e-6);
  Rng rng(11);
  std::vector<int> counts(kN, 0);
  for (int i = 0; i < 200000; ++i) ++counts[sampler.sample(rng)];
  for (uint64_t k = 0; k < kN; ++k) EXPECT_NEAR(counts[k], 2000, 250) << "rank " << k;
}

TEST(Zipfian, SetNMovesTheRange) {
  ZipfianSampler sampler(10, 0.99);
  Rng rng(1);
  uint64_t max_seen = 0;
  for (int i = 0; i < 10000; ++i) max_seen = std::max(max_seen, sampler.sample(rng));
  EXPECT_EQ(max_seen, 9u);
  sampler.set_n(1'000'000);
  max_seen = 0;
  for (int i = 0; i < 10000; ++i) max_seen = std::max(max_seen, sampler.sample(rng));
  EXPECT_GT(max_seen, 1000u);
  EXPECT_LT(max_seen, 1'000'000u);
}

TEST(Zipfian, SameSeedSameSequence) {
  ZipfianSampler a(1'000'000, 0.99), b(1'000'000, 0.99);
  Rng ra(42), rb(42), rc(43);
  int differ = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t x = a.sample(ra);
    ASSERT_EQ(x, b.sample(rb));
    differ += x != a.sample(rc);
  }
  EXPECT_GT(differ, 1000);
}

TEST(Zipfian, RejectsBadParameters) {
  EXPECT_THROW(ZipfianSampler(0, 0.99), std::invalid_argument);
  EXPECT_THROW(ZipfianSampler(10, 0.0), std::invalid_argument);
  EXPECT_THROW(ZipfianSampler(10, -1.0), std::invalid_argument);
  EXPECT_THROW(ZipfianSampler(10, std::nan("")), std::invalid_argument);
}

}  // namespace
}  // namespace rpbench::workloads
