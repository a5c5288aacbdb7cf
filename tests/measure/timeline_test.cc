// Timeline: ops land in the interval of their intended start; merge; the JSON shape.
#include "measure/timeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

namespace rpbench::measure {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(Timeline, BucketsOpsByIntendedStart) {
  Timeline tl(1'000, 10 * kMs);
  // Latencies below 2^6 are exact with 5 sub-bucket bits.
  tl.record(1'000, 10);                 // interval 0
  tl.record(1'000 + 10 * kMs - 1, 20);  // still 0
  tl.record(1'000 + 10 * kMs, 30);      // 1
  tl.record(1'000 + 35 * kMs, 40);      // 3
  tl.record(500, 5);                    // before the start: interval 0
  ASSERT_EQ(tl.intervals(), 4u);
  EXPECT_EQ(tl.ops(0), 3u);
  EXPECT_EQ(tl.ops(1), 1u);
  EXPECT_EQ(tl.ops(2), 0u);
  EXPECT_EQ(tl.ops(3), 1u);
  EXPECT_EQ(tl.max_ns(0), 20u);

  const auto j = tl.to_json();
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(j[i].at("t_ms"), i * 10);
    for (const char* k : {"ops", "p50_ns", "p99_ns", "max_ns"}) EXPECT_TRUE(j[i].contains(k)) << k;
  }
  EXPECT_EQ(j[0].at("ops"), 3);
  EXPECT_EQ(j[0].at("max_ns"), 20);
  EXPECT_EQ(j[0].at("p50_ns"), 10);
  EXPECT_EQ(j[0].at("p99_ns"), 20);
  EXPECT_EQ(j[2].at("ops"), 0);
  EXPECT_TRUE(j[2].at("p50_ns").is_null());
  EXPECT_TRUE(j[2].at("p99_ns").is_null());
  EXPECT_TRUE(j[2].at("max_ns").is_null());
  EXPECT_EQ(j[3].at("p99_ns"), 40);
}

TEST(Timeline, EmptyTimelineIsAnEmptyArray) {
  Timeline tl(0, kMs);
  EXPECT_TRUE(tl.to_json().is_array());
  EXPECT_TRUE(tl.to_json().empty());
  EXPECT_EQ(tl.last_completed_p99_ns(), 0u);
}

TEST(Timeline, PercentilesWithinTheCoarseBound) {
  Timeline tl(0, kMs);
  std::mt19937_64 rng(5);
  std::exponential_distribution<double> d(1.0 / 50'000);
  std::vector<std::vector<uint64_t>> per(5);
  for (int i = 0; i < 50'000; ++i) {
    const uint64_t t = rng() % (5 * kMs);
    const uint64_t lat = static_cast<uint64_t>(d(rng)) + 1;
    tl.record(t, lat);
    per[t / kMs].push_back(lat);
  }
  const double bound = 1.0 / 32;
  for (size_t i = 0; i < per.size(); ++i) {
    auto v = per[i];
    std::sort(v.begin(), v.end());
    ASSERT_EQ(tl.ops(i), v.size());
    EXPECT_EQ(tl.max_ns(i), v.back());
    for (double q : {50.0, 99.0}) {
      const size_t rank = static_cast<size_t>(std::ceil(q / 100.0 * static_cast<double>(v.size())));
      const uint64_t x = v[rank - 1];
      const uint64_t r = tl.percentile(i, q);
      EXPECT_GE(r, x);
      EXPECT_LT(static_cast<double>(r - x), bound * static_cast<double>(x) + 1e-9);
    }
  }
}

TEST(Timeline, MergeEqualsRecordingIntoOne) {
  Timeline a(0, kMs), b(0, kMs), all(0, kMs);
  std::mt19937_64 rng(6);
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t t = rng() % (20 * kMs);
    const uint64_t lat = rng() % 1'000'000;
    (i % 2 == 0 ? a : b).record(t, lat);
    all.record(t, lat);
  }
  b.record(30 * kMs, 7);  // b is longer than a
  all.record(30 * kMs, 7);
  a.merge(b);
  EXPECT_EQ(a.to_json(), all.to_json());
}

TEST(Timeline, MergeMismatchThrows) {
  Timeline a(0, kMs), b(1, kMs), c(0, 2 * kMs);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
  EXPECT_THROW(a.merge(c), std::invalid_argument);
  EXPECT_THROW(Timeline(0, 0), std::invalid_argument);
}

TEST(Timeline, LastCompletedIsTheIntervalBeforeTheNewest) {
  Timeline tl(0, kMs);
  tl.record(0, 1'000);
  EXPECT_EQ(tl.last_completed_p99_ns(), 0u);  // only the filling interval
  tl.record(kMs + 5, 9);
  EXPECT_EQ(tl.last_completed_p99_ns(), 1'000u);
  tl.record(3 * kMs, 9);
  EXPECT_EQ(tl.last_completed_p99_ns(), 0u);  // interval 2 is empty
}

TEST(Timeline, FractionalMillisecondIntervals) {
  Timeline tl(0, 250'000);
  tl.record(600'000, 1);
  const auto j = tl.to_json();
  ASSERT_EQ(j.size(), 3u);
  EXPECT_DOUBLE_EQ(j[2].at("t_ms").get<double>(), 0.5);
}

TEST(Timeline, WildTimeIsRejected) {
  Timeline tl(0, 1);
  EXPECT_THROW(tl.record(Timeline::kMaxIntervals + 10, 1), std::out_of_range);
}

}  // namespace
}  // namespace rpbench::measure
