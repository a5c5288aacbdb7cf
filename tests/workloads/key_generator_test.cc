// Key distributions through make_key_generator: uniform, sequential, zipfian, scrambled-zipfian,
// hotspot, latest; and the keyed permutation behind scrambled-zipfian.
#include "workloads/key_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "stats_util.h"
#include "workloads/permutation.h"

namespace rpbench::workloads {
namespace {

using testing::chi_square;
using testing::zipf_pmf;

KeySpec keys(const std::string& dist, double theta = 0.99) {
  KeySpec k;
  k.dist = dist;
  k.theta = theta;
  return k;
}

std::vector<double> item_counts(KeyGenerator& gen, uint64_t n, int samples) {
  std::vector<double> counts(n, 0.0);
  for (int i = 0; i < samples; ++i) {
    const uint64_t item = gen.next();
    EXPECT_LT(item, n);
    if (item < n) counts[item] += 1;
  }
  return counts;
}

TEST(StatisticalKeys, UniformChiSquare) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  auto gen = make_key_generator(keys("uniform"), kN, 17);
  const auto observed = item_counts(*gen, kN, kSamples);
  const std::vector<double> expected(kN, static_cast<double>(kSamples) / kN);
  const auto result = chi_square(observed, expected);
  EXPECT_TRUE(result.passes()) << result.describe();
}

TEST(StatisticalKeys, ZipfianGeneratorChiSquare) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  auto gen = make_key_generator(keys("zipfian", 0.99), kN, 21);
  const auto observed = item_counts(*gen, kN, kSamples);
  const auto pmf = zipf_pmf(kN, 0.99);
  std::vector<double> expected(kN);
  for (uint64_t k = 0; k < kN; ++k) expected[k] = pmf[k] * kSamples;
  const auto result = chi_square(observed, expected);
  EXPECT_TRUE(result.passes()) << result.describe();
}

TEST(StatisticalKeys, ScrambledZipfianKeepsTheCurveButSpreadsTheHotKeys) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  auto gen = make_key_generator(keys("scrambled-zipfian", 0.99), kN, 33);
  ASSERT_TRUE(gen->scrambles());
  std::vector<double> by_key(kN, 0.0);
  for (int i = 0; i < kSamples; ++i) {
    const uint64_t item = gen->next();
    ASSERT_LT(item, kN);
    const uint64_t key = gen->scramble(item);
    ASSERT_LT(key, kN);
    by_key[key] += 1;
  }
  // Frequency by rank: the sorted key frequencies follow zipfian's pmf.
  std::vector<double> sorted = by_key;
  std::sort(sorted.rbegin(), sorted.rend());
  const auto pmf = zipf_pmf(kN, 0.99);
  double top_observed = 0, top_expected = 0;
  for (size_t r = 0; r < 50; ++r) {
    const double expected = pmf[r] * kSamples;
    EXPECT_NEAR(sorted[r], expected, 5 * std::sqrt(expected) + 0.01 * expected) << "rank " << r;
    top_observed += sorted[r];
    top_expected += expected;
  }
  EXPECT_NEAR(top_observed / top_expected, 1.0, 0.01);

  // ... while the hottest keys are not the lowest ids.
  std::vector<uint64_t> order(kN);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) { return by_key[a] > by_key[b]; });
  int hot_low = 0;
  double mean_id = 0;
  for (int i = 0; i < 10; ++i) hot_low += order[i] < kN / 10;
  for (int i = 0; i < 100; ++i) mean_id += static_cast<double>(order[i]) / 100;
  EXPECT_LE(hot_low, 4) << "the 10 hottest keys cluster among the lowest 10% of ids";
  EXPECT_GT(mean_id, 0.3 * kN);
  EXPECT_LT(mean_id, 0.7 * kN);
  EXPECT_NE(order[0], 0u);
}

TEST(StatisticalKeys, HotspotShare) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  KeySpec spec = keys("hotspot");
  spec.hot_key_fraction = 0.2;
  spec.hot_op_fraction = 0.8;
  auto gen = make_key_generator(spec, kN, 5);
  const auto counts = item_counts(*gen, kN, kSamples);
  const double hot = std::accumulate(counts.begin(), counts.begin() + 200, 0.0);
  EXPECT_NEAR(hot / kSamples, 0.8, 0.003);
  // Uniform within each set.
  std::vector<double> hot_counts(counts.begin(), counts.begin() + 200);
  std::vector<double> cold_counts(counts.begin() + 200, counts.end());
  const auto hot_result = chi_square(hot_counts, std::vector<double>(200, hot / 200));
  const auto cold_result = chi_square(cold_counts, std::vector<double>(800, (kSamples - hot) / 800));
  EXPECT_TRUE(hot_result.passes()) << hot_result.describe();
  EXPECT_TRUE(cold_result.passes()) << cold_result.describe();
}

TEST(Keys, HotspotEdges) {
  KeySpec all_hot = keys("hotspot");
  all_hot.hot_key_fraction = 0.1;
  all_hot.hot_op_fraction = 1.0;
  auto gen = make_key_generator(all_hot, 1000, 1);
  for (int i = 0; i < 10000; ++i) ASSERT_LT(gen->next(), 100u);
  KeySpec whole = keys("hotspot");
  whole.hot_key_fraction = 1.0;
  whole.hot_op_fraction = 0.5;
  gen = make_key_generator(whole, 10, 1);
  for (int i = 0; i < 10000; ++i) ASSERT_LT(gen->next(), 10u);
  // A tiny key space still has one hot key.
  KeySpec tiny = keys("hotspot");
  tiny.hot_key_fraction = 0.01;
  gen = make_key_generator(tiny, 3, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_LT(gen->next(), 3u);
}

TEST(StatisticalKeys, LatestFavoursTheNewest) {
  constexpr uint64_t kN = 1000;
  constexpr int kSamples = 1'000'000;
  auto gen = make_key_generator(keys("latest", 0.99), kN, 8);
  auto counts = item_counts(*gen, kN, kSamples);
  // Recency rank r = n - 1 - item follows zipfian.
  const auto pmf = zipf_pmf(kN, 0.99);
  std::vector<double> observed(kN), expected(kN);
  for (uint64_t r = 0; r < kN; ++r) {
    observed[r] = counts[kN - 1 - r];
    expected[r] = pmf[r] * kSamples;
  }
  const auto result = chi_square(observed, expected);
  EXPECT_TRUE(result.passes()) << result.describe();
  EXPECT_GT(counts[999], counts[998]);
  EXPECT_GT(counts[998], counts[997]);
  // After an insert the new item is the most popular one.
  gen->set_key_count(kN + 1);
  counts = item_counts(*gen, kN + 1, 100000);
  EXPECT_EQ(std::max_element(counts.begin(), counts.end()) - counts.begin(), static_cast<long>(kN));
}

TEST(Keys, SequentialWrapsAndStridesAcrossThreads) {
  auto gen = make_key_generator(keys("sequential"), 5, 1);
  std::vector<uint64_t> seen;
  for (int i = 0; i < 12; ++i) seen.push_back(gen->next());
  EXPECT_EQ(seen, (std::vector<uint64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}));
  // Three threads together visit each of 10 keys once per round.
  std::multiset<uint64_t> round;
  for (uint32_t t = 0; t < 3; ++t) {
    auto g = make_key_generator(keys("sequential"), 10, 1, t, 3);
    for (uint64_t i = t; i < 10; i += 3) round.insert(g->next());
  }
  EXPECT_EQ(round, (std::multiset<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // Growth is picked up.
  gen = make_key_generator(keys("sequential"), 2, 1);
  gen->next();
  gen->next();
  gen->set_key_count(3);
  EXPECT_EQ(gen->next(), 2u);
}

TEST(Keys, GrowingKeyCountWidensTheRange) {
  for (const char* dist : {"uniform", "zipfian", "scrambled-zipfian", "hotspot", "latest"}) {
    KeySpec spec = keys(dist, 0.5);
    auto gen = make_key_generator(spec, 10, 2);
    gen->set_key_count(20);
    EXPECT_EQ(gen->key_count(), 20u);
    uint64_t max_seen = 0;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t item = gen->next();
      ASSERT_LT(item, 20u) << dist;
      max_seen = std::max(max_seen, item);
      ASSERT_LT(gen->scramble(item), 20u) << dist;
    }
    EXPECT_GE(max_seen, 10u) << dist;
  }
}

TEST(Keys, SeedAndThreadSelectTheSequence) {
  for (const char* dist : {"uniform", "zipfian", "scrambled-zipfian", "hotspot", "latest"}) {
    auto a = make_key_generator(keys(dist), 1'000'000, 1, 0, 2);
    auto same = make_key_generator(keys(dist), 1'000'000, 1, 0, 2);
    auto other_seed = make_key_generator(keys(dist), 1'000'000, 2, 0, 2);
    auto other_thread = make_key_generator(keys(dist), 1'000'000, 1, 1, 2);
    int differ_seed = 0, differ_thread = 0;
    for (int i = 0; i < 1000; ++i) {
      const uint64_t x = a->next();
      ASSERT_EQ(x, same->next()) << dist;
      differ_seed += x != other_seed->next();
      differ_thread += x != other_thread->next();
    }
    EXPECT_GT(differ_seed, 100) << dist;
    EXPECT_GT(differ_thread, 100) << dist;
  }
}

TEST(Keys, ScramblingIsSharedByTheThreadsOfAWorkload) {
  auto t0 = make_key_generator(keys("scrambled-zipfian"), 100000, 9, 0, 4);
  auto t3 = make_key_generator(keys("scrambled-zipfian"), 100000, 9, 3, 4);
  auto other = make_key_generator(keys("scrambled-zipfian"), 100000, 10, 0, 4);
  int differ = 0;
  for (uint64_t item = 0; item < 1000; ++item) {
    EXPECT_EQ(t0->scramble(item), t3->scramble(item));
    differ += t0->scramble(item) != other->scramble(item);
  }
  EXPECT_GT(differ, 900);
  // Items inserted after construction stay in place.
  EXPECT_EQ(t0->scramble(100000), 100000u);
  EXPECT_EQ(t0->scramble(123456), 123456u);
}

TEST(Keys, RejectsUnknownDistributionAndBadThreads) {
  EXPECT_THROW(make_key_generator(keys("gaussian"), 10, 1), std::invalid_argument);
  EXPECT_THROW(make_key_generator(keys("zipfian", 0.0), 10, 1), std::invalid_argument);
  EXPECT_THROW(make_key_generator(keys("uniform"), 10, 1, 2, 2), std::invalid_argument);
  EXPECT_THROW(make_key_generator(keys("uniform"), 10, 1, 0, 0), std::invalid_argument);
}

TEST(Permutation, IsABijection) {
  for (uint64_t n : {1u, 2u, 3u, 7u, 1000u, 1024u, 1025u, 65536u, 100003u}) {
    KeyedPermutation perm(n, 0xabcdef);
    std::vector<bool> hit(n, false);
    for (uint64_t x = 0; x < n; ++x) {
      const uint64_t y = perm(x);
      ASSERT_LT(y, n);
      ASSERT_FALSE(hit[y]) << "n " << n << ": " << y << " hit twice";
      hit[y] = true;
    }
  }
}

TEST(Permutation, HugeDomainStaysInRange) {
  const uint64_t n = 10'000'000'001ULL;
  KeyedPermutation perm(n, 1);
  std::set<uint64_t> seen;
  for (uint64_t x = 0; x < 10000; ++x) {
    const uint64_t y = perm(x);
    ASSERT_LT(y, n);
    seen.insert(y);
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_GT(*seen.rbegin(), n / 2);
}

}  // namespace
}  // namespace rpbench::workloads
