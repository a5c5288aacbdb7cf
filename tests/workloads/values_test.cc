// Value sizes per distribution, and value bytes as a pure function of (key, version, seed).
#include "workloads/values.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "stats_util.h"

namespace rpbench::workloads {
namespace {

ValueSizeSpec buckets_spec() {
  ValueSizeSpec s;
  s.dist = "buckets";
  s.buckets = {{80, 128, 0.7}, {129, 256, 0.2}, {257, 1024, 0.1}};
  return s;
}

TEST(StatisticalValueSizes, BucketsMatchTheirWeights) {
  ValueSizer sizer(buckets_spec(), 42);
  EXPECT_EQ(sizer.max_size(), 1024u);
  constexpr int kSamples = 300000;
  std::array<double, 3> counts{};
  uint32_t lo = UINT32_MAX, hi = 0;
  std::vector<double> within_first(128 - 80 + 1, 0.0);
  for (int i = 0; i < kSamples; ++i) {
    // Over keys and over versions of one key alike.
    const uint32_t size =
        i % 2 ? sizer.size_for(static_cast<uint64_t>(i), 0) : sizer.size_for(7, static_cast<uint64_t>(i));
    ASSERT_GE(size, 80u);
    ASSERT_LE(size, 1024u);
    lo = std::min(lo, size);
    hi = std::max(hi, size);
    if (size <= 128) {
      counts[0] += 1;
      within_first[size - 80] += 1;
    } else if (size <= 256) {
      counts[1] += 1;
    } else {
      counts[2] += 1;
    }
  }
  EXPECT_NEAR(counts[0] / kSamples, 0.7, 0.005);
  EXPECT_NEAR(counts[1] / kSamples, 0.2, 0.005);
  EXPECT_NEAR(counts[2] / kSamples, 0.1, 0.005);
  EXPECT_EQ(lo, 80u);
  EXPECT_EQ(hi, 1024u);
  // Uniform within a bucket.
  const auto result =
      testing::chi_square(within_first, std::vector<double>(within_first.size(), counts[0] / within_first.size()));
  EXPECT_TRUE(result.passes()) << result.describe();
}

TEST(StatisticalValueSizes, UniformStaysWithinMinMax) {
  ValueSizeSpec s;
  s.dist = "uniform";
  s.min = 10;
  s.max = 20;
  ValueSizer sizer(s, 1);
  EXPECT_EQ(sizer.max_size(), 20u);
  std::vector<double> counts(11, 0.0);
  constexpr int kSamples = 110000;
  for (int i = 0; i < kSamples; ++i) {
    const uint32_t size = sizer.size_for(static_cast<uint64_t>(i) * 31, static_cast<uint64_t>(i % 5));
    ASSERT_GE(size, 10u);
    ASSERT_LE(size, 20u);
    counts[size - 10] += 1;
  }
  const auto result = testing::chi_square(counts, std::vector<double>(11, kSamples / 11.0));
  EXPECT_TRUE(result.passes()) << result.describe();
}

TEST(ValueSizes, FixedAndDegenerate) {
  ValueSizeSpec fixed;
  fixed.size = 4096;
  ValueSizer sizer(fixed, 1);
  EXPECT_EQ(sizer.size_for(1, 1), 4096u);
  EXPECT_EQ(sizer.max_size(), 4096u);
  ValueSizeSpec one;
  one.dist = "uniform";
  one.min = one.max = 33;
  EXPECT_EQ(ValueSizer(one, 1).size_for(5, 5), 33u);
  // Zero-weight buckets are never chosen, wherever they are.
  ValueSizeSpec zero;
  zero.dist = "buckets";
  zero.buckets = {{1, 1, 0.0}, {50, 60, 1.0}, {2000, 3000, 0.0}};
  ValueSizer z(zero, 3);
  EXPECT_EQ(z.max_size(), 60u);
  for (uint64_t k = 0; k < 10000; ++k) {
    const uint32_t size = z.size_for(k, k);
    ASSERT_GE(size, 50u);
    ASSERT_LE(size, 60u);
  }
}

TEST(ValueSizes, DeterministicInKeyVersionSeed) {
  ValueSizer a(buckets_spec(), 42), b(buckets_spec(), 42), c(buckets_spec(), 43);
  int differ_seed = 0, differ_version = 0;
  for (uint64_t k = 0; k < 2000; ++k) {
    ASSERT_EQ(a.size_for(k, 3), b.size_for(k, 3));
    differ_seed += a.size_for(k, 3) != c.size_for(k, 3);
    differ_version += a.size_for(k, 3) != a.size_for(k, 4);
  }
  EXPECT_GT(differ_seed, 1000);
  EXPECT_GT(differ_version, 1000);
}

TEST(ValueSizes, RejectsBadSpecNamingTheField) {
  ValueSizeSpec s;
  s.dist = "uniform";
  s.min = 30;
  s.max = 20;
  try {
    ValueSizer sizer(s, 1);
    FAIL() << "accepted min > max";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("value_size"), std::string::npos) << e.what();
  }
}

TEST(Values, FillIsDeterministicAndSensitive) {
  constexpr size_t kLen = 1000;
  const std::string v = make_value(5, 1, 42, kLen);
  ASSERT_EQ(v.size(), kLen);
  EXPECT_EQ(v, make_value(5, 1, 42, kLen));
  EXPECT_NE(v, make_value(5, 2, 42, kLen));  // version
  EXPECT_NE(v, make_value(6, 1, 42, kLen));  // key
  EXPECT_NE(v, make_value(5, 1, 43, kLen));  // seed
  // Versions differ in most bytes, not just a few.
  const std::string w = make_value(5, 2, 42, kLen);
  size_t same = 0;
  for (size_t i = 0; i < kLen; ++i) same += v[i] == w[i];
  EXPECT_LT(same, 30u);
}

TEST(Values, BytesNeverChangeAndAShorterValueIsAPrefixOfALongerOne) {
  // Values are persistent (RDB files, digests, recovered snapshots): their bytes never change.
  const std::string v = make_value(5, 1, 42, 13);
  std::string hex;
  for (unsigned char c : v) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
  EXPECT_EQ(hex, "7ebfd46fd04f9e766393494aaa");
  const std::string full = make_value(9, 3, 7, 100);
  for (size_t len = 0; len <= 100; ++len) ASSERT_EQ(make_value(9, 3, 7, len), full.substr(0, len)) << len;
}

TEST(Values, FillWritesExactlyLenBytes) {
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 100u}) {
    std::vector<char> buf(len + 16, '\x5a');
    fill_value(1, 2, 3, buf.data() + 8, len);
    for (size_t i = 0; i < 8; ++i) ASSERT_EQ(buf[i], '\x5a') << "len " << len;
    for (size_t i = len + 8; i < buf.size(); ++i) ASSERT_EQ(buf[i], '\x5a') << "len " << len;
    EXPECT_EQ(std::string(buf.data() + 8, len), make_value(1, 2, 3, len));
  }
}

TEST(StatisticalValues, BytesAreEvenlySpread) {
  const std::string v = make_value(1, 1, 1, 1 << 20);
  std::vector<double> counts(256, 0.0);
  for (char c : v) counts[static_cast<unsigned char>(c)] += 1;
  const auto result = testing::chi_square(counts, std::vector<double>(256, v.size() / 256.0));
  EXPECT_TRUE(result.passes()) << result.describe();
}

}  // namespace
}  // namespace rpbench::workloads
