// Histogram: percentiles within the stated bound of the exact nearest-rank quantile, exact
// min/max, merge == recording everything into one, the JSON shape.
#include "measure/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace rpbench::measure {
namespace {

// q as hundredths of a percent, so the exact rank is integer arithmetic.
constexpr uint64_t kQx100[] = {1, 100, 2500, 5000, 9000, 9900, 9990, 9999, 10000};

uint64_t exact_quantile(std::vector<uint64_t> sorted, uint64_t qx100) {
  const uint64_t n = sorted.size();
  uint64_t rank = (qx100 * n + 9999) / 10000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

void expect_within_bound(const std::vector<uint64_t>& values, int bits) {
  Histogram h(bits);
  for (uint64_t v : values) h.record(v);
  std::vector<uint64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double bound = Histogram::relative_error(bits);
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());
  for (uint64_t qx : kQx100) {
    const double q = static_cast<double>(qx) / 100.0;
    const uint64_t x = exact_quantile(sorted, qx);
    const uint64_t r = h.percentile(q);
    EXPECT_GE(r, x) << "q=" << q;
    EXPECT_LT(static_cast<double>(r - x), bound * static_cast<double>(x) + 1e-9)
        << "q=" << q << " exact=" << x << " got=" << r;
  }
  // The percentile never under-reports and respects the bound for every rank, not only the listed q.
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 10.0;
    const uint64_t r = h.percentile(q);
    EXPECT_GE(r, h.min());
    EXPECT_LE(r, h.max());
  }
}

TEST(Histogram, StatedBoundIsTwoToMinusBits) {
  EXPECT_DOUBLE_EQ(Histogram::relative_error(7), 1.0 / 128);
  EXPECT_LT(Histogram::relative_error(7), 0.01);
  EXPECT_DOUBLE_EQ(Histogram::relative_error(5), 1.0 / 32);
}

TEST(Histogram, LayoutBucketsAreContiguousAndWithinBound) {
  for (int bits : {1, 3, 5, 7, 10}) {
    const size_t n = BucketLayout::count(bits);
    EXPECT_EQ(BucketLayout::index(BucketLayout::kMaxTrackable, bits), n - 1) << bits;
    EXPECT_EQ(BucketLayout::lower(0, bits), 0u);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t lo = BucketLayout::lower(i, bits);
      const uint64_t hi = BucketLayout::upper(i, bits);
      ASSERT_LE(lo, hi);
      ASSERT_EQ(BucketLayout::index(lo, bits), i);
      ASSERT_EQ(BucketLayout::index(hi, bits), i);
      if (i + 1 < n) {
        ASSERT_EQ(BucketLayout::lower(i + 1, bits), hi + 1);
      }
      // Width bound: (hi - lo) / lo < 2^-bits, exact below 2^(bits+1).
      if (lo < (uint64_t{2} << bits)) {
        ASSERT_EQ(lo, hi);
      } else {
        ASSERT_LT(static_cast<double>(hi - lo), BucketLayout::relative_error(bits) * static_cast<double>(lo));
      }
    }
    EXPECT_EQ(BucketLayout::upper(n - 1, bits), BucketLayout::kMaxTrackable);
  }
}

TEST(Histogram, UniformValuesWithinBound) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<uint64_t> d(0, 10'000'000);
  std::vector<uint64_t> v(100'000);
  for (auto& x : v) x = d(rng);
  expect_within_bound(v, 7);
  expect_within_bound(v, 5);
}

TEST(Histogram, ExponentialValuesWithinBound) {
  std::mt19937_64 rng(2);
  std::exponential_distribution<double> d(1.0 / 100'000);
  std::vector<uint64_t> v(100'000);
  for (auto& x : v) x = static_cast<uint64_t>(d(rng)) + 1;
  expect_within_bound(v, 7);
}

TEST(Histogram, ConstantValueIsExactAtEveryQuantile) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.record(123'456);
  for (double q : {0.0, 1.0, 50.0, 99.0, 99.99, 100.0}) EXPECT_EQ(h.percentile(q), 123'456u) << q;
  EXPECT_DOUBLE_EQ(h.mean(), 123'456.0);
}

TEST(Histogram, ExtremesOneNanosecondAndHundredSeconds) {
  std::vector<uint64_t> v;
  for (int i = 0; i < 500; ++i) v.push_back(1);
  for (int i = 0; i < 500; ++i) v.push_back(100'000'000'000ull);
  expect_within_bound(v, 7);
  Histogram h;
  for (uint64_t x : v) h.record(x);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100'000'000'000ull);
  EXPECT_EQ(h.percentile(50), 1u);
  EXPECT_EQ(h.clamped(), 0u);
  EXPECT_DOUBLE_EQ(h.mean(), (500.0 + 500.0 * 1e11) / 1000.0);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h(7);
  std::vector<uint64_t> v;
  for (uint64_t x = 0; x < 256; ++x) v.push_back(x);
  for (uint64_t x : v) h.record(x);
  for (uint64_t qx : kQx100) EXPECT_EQ(h.percentile(qx / 100.0), exact_quantile(v, qx));
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, ValuesAboveTheTopAreCountedAndClamped) {
  Histogram h;
  h.record(10);
  h.record(uint64_t{1} << 40);
  h.record(~uint64_t{0} >> 2);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.clamped(), 2u);
  EXPECT_EQ(h.max(), ~uint64_t{0} >> 2);
  EXPECT_EQ(h.percentile(100), h.max());
  const auto buckets = h.nonzero_buckets();
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets.back().first, BucketLayout::kMaxTrackable);
  EXPECT_EQ(buckets.back().second, 2u);
}

TEST(Histogram, MergeEqualsRecordingEverythingIntoOne) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> d(10, 2);
  Histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const auto x = static_cast<uint64_t>(d(rng));
    (i % 3 == 0 ? a : b).record(x);
    all.record(x);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.sum(), all.sum());
  EXPECT_EQ(a.nonzero_buckets(), all.nonzero_buckets());
  EXPECT_EQ(to_json(a), to_json(all));
}

TEST(Histogram, MergeIntoEmptyAndOfEmpty) {
  Histogram a, empty;
  a.record(5);
  a.record(500);
  Histogram copy = a;
  a.merge(empty);
  EXPECT_EQ(to_json(a), to_json(copy));
  empty.merge(copy);
  EXPECT_EQ(to_json(empty), to_json(copy));
  EXPECT_EQ(empty.min(), 5u);
}

TEST(Histogram, MergeOfDifferentResolutionThrows) {
  Histogram a(7), b(5);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(Histogram, BadArgumentsThrow) {
  EXPECT_THROW(Histogram(0), std::invalid_argument);
  EXPECT_THROW(Histogram(13), std::invalid_argument);
  Histogram h;
  h.record(1);
  EXPECT_THROW(h.percentile(-0.1), std::invalid_argument);
  EXPECT_THROW(h.percentile(100.1), std::invalid_argument);
  EXPECT_THROW(h.percentile(std::nan("")), std::invalid_argument);
}

TEST(Histogram, EmptyJsonHasNullsAndNoBuckets) {
  Histogram h;
  const auto j = to_json(h);
  EXPECT_EQ(j.at("count"), 0);
  for (const char* k : {"min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns"}) {
    ASSERT_TRUE(j.contains(k)) << k;
    EXPECT_TRUE(j.at(k).is_null()) << k;
  }
  EXPECT_TRUE(j.at("buckets").is_array());
  EXPECT_TRUE(j.at("buckets").empty());
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, JsonCarriesPercentilesAndBucketsThatSumToCount) {
  Histogram h;
  for (uint64_t x = 1; x <= 10'000; ++x) h.record(x * 37);
  const auto j = to_json(h);
  EXPECT_EQ(j.at("count"), 10'000);
  EXPECT_EQ(j.at("min_ns"), 37);
  EXPECT_EQ(j.at("max_ns"), 370'000);
  EXPECT_EQ(j.at("p50_ns"), h.percentile(50));
  EXPECT_EQ(j.at("p999_ns"), h.percentile(99.9));
  EXPECT_EQ(j.at("p9999_ns"), h.percentile(99.99));
  uint64_t sum = 0, prev = 0;
  for (const auto& b : j.at("buckets")) {
    ASSERT_EQ(b.size(), 2u);
    EXPECT_GT(b[0].get<uint64_t>(), prev);
    prev = b[0].get<uint64_t>();
    sum += b[1].get<uint64_t>();
  }
  EXPECT_EQ(sum, 10'000u);
}

TEST(Histogram, ResetEmptiesIt) {
  Histogram h;
  h.record(42);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_TRUE(h.nonzero_buckets().empty());
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 7u);
}

}  // namespace
}  // namespace rpbench::measure

TEST(Histogram, FromJsonGivesBackWhatToJsonWroteAndMergesExactly) {
  rpbench::measure::Histogram a, b;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) a.record(100 + rng() % 1000000);
  for (int i = 0; i < 5000; ++i) b.record(5000 + rng() % 50000000);
  const auto ra = rpbench::measure::Histogram::from_json(rpbench::measure::to_json(a));
  EXPECT_EQ(rpbench::measure::to_json(ra), rpbench::measure::to_json(a));
  rpbench::measure::Histogram both = a;
  both.merge(b);
  rpbench::measure::Histogram joined = ra;
  joined.merge(rpbench::measure::Histogram::from_json(rpbench::measure::to_json(b)));
  for (double q : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) EXPECT_EQ(joined.percentile(q), both.percentile(q)) << q;
  EXPECT_EQ(joined.count(), both.count());
  EXPECT_EQ(rpbench::measure::Histogram::from_json(rpbench::measure::to_json(rpbench::measure::Histogram())).count(),
            0u);
}

TEST(Histogram, FromJsonRefusesWhatIsNotAHistogramOfThisLayout) {
  using rpbench::measure::Histogram;
  nlohmann::json j = rpbench::measure::to_json([] {
    Histogram h;
    h.record(1000);
    return h;
  }());
  EXPECT_THROW(Histogram::from_json(nlohmann::json::array()), std::invalid_argument);
  nlohmann::json off = j;
  off["buckets"] = {{1001, 1}};  // not a bucket bound of the layout
  EXPECT_THROW(Histogram::from_json(off), std::invalid_argument);
  nlohmann::json sum = j;
  sum["count"] = 2;  // the buckets hold one
  EXPECT_THROW(Histogram::from_json(sum), std::invalid_argument);
  nlohmann::json shape = j;
  shape["buckets"] = {{1000}};
  EXPECT_THROW(Histogram::from_json(shape), std::invalid_argument);
}
