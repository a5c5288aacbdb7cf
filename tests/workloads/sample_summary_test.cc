// Sample summaries: counts, key skew shares, value-size histogram, JSON and text forms.
#include "workloads/sample_summary.h"

#include <gtest/gtest.h>

#include "workloads/op_stream.h"

namespace rpbench::workloads {
namespace {

TEST(SampleSummary, HandCountedSample) {
  std::vector<Op> ops;
  for (int i = 0; i < 50; ++i) ops.push_back({OpType::kRead, 0, 0, 0});
  for (uint64_t k = 1; k <= 47; ++k) ops.push_back({OpType::kRead, k, 0, 0});
  ops.push_back({OpType::kUpdate, 1, 1, 1});
  ops.push_back({OpType::kInsert, 100, 2, 3});
  ops.push_back({OpType::kReadModifyWrite, 2, 3, 100});
  const SampleSummary s = summarize(ops, 100);
  EXPECT_EQ(s.total_ops, 100u);
  EXPECT_EQ(s.ops_by_type[0], 97u);
  EXPECT_EQ(s.ops_by_type[1], 1u);
  EXPECT_EQ(s.ops_by_type[2], 1u);
  EXPECT_EQ(s.ops_by_type[3], 0u);
  EXPECT_EQ(s.ops_by_type[4], 1u);
  EXPECT_EQ(s.key_count, 100u);
  EXPECT_EQ(s.distinct_keys, 49u);  // 0..47 and 100
  // Hottest 1 key: 50 ops; hottest 10 keys: 50 + 2 (key 1) + 2 (key 2) + 7 ones.
  EXPECT_DOUBLE_EQ(s.hottest_1pct_share, 0.50);
  EXPECT_DOUBLE_EQ(s.hottest_10pct_share, 0.61);
  EXPECT_EQ(s.sized_ops, 3u);
  EXPECT_EQ(s.value_size_min, 1u);
  EXPECT_EQ(s.value_size_max, 100u);
  EXPECT_NEAR(s.value_size_mean, 104.0 / 3, 1e-9);
  ASSERT_EQ(s.value_size_histogram.size(), 7u);  // [1,1] ... [64,127]
  EXPECT_EQ(s.value_size_histogram[0].lo, 1u);
  EXPECT_EQ(s.value_size_histogram[0].hi, 1u);
  EXPECT_EQ(s.value_size_histogram[0].count, 1u);
  EXPECT_EQ(s.value_size_histogram[1].lo, 2u);
  EXPECT_EQ(s.value_size_histogram[1].hi, 3u);
  EXPECT_EQ(s.value_size_histogram[1].count, 1u);
  EXPECT_EQ(s.value_size_histogram[2].count, 0u);
  EXPECT_EQ(s.value_size_histogram[6].lo, 64u);
  EXPECT_EQ(s.value_size_histogram[6].hi, 127u);
  EXPECT_EQ(s.value_size_histogram[6].count, 1u);

  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["total_ops"], 100);
  EXPECT_EQ(j["ops"]["rmw"], 1);
  EXPECT_EQ(j["ops"]["delete"], 0);
  EXPECT_EQ(j["distinct_keys"], 49);
  EXPECT_DOUBLE_EQ(j["hottest_1pct_share"].get<double>(), 0.5);
  EXPECT_EQ(j["value_size"]["max_bytes"], 100);
  EXPECT_EQ(j["value_size"]["histogram"].size(), 7u);
  EXPECT_EQ(j["value_size"]["histogram"][6]["lo_bytes"], 64);

  const std::string text = to_text(s);
  EXPECT_NE(text.find("ops: 100"), std::string::npos) << text;
  EXPECT_NE(text.find("read 97"), std::string::npos) << text;
  EXPECT_NE(text.find("49 distinct of 100"), std::string::npos) << text;
  EXPECT_NE(text.find("hottest 1% of keys get 50.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("[64, 127] bytes: 1"), std::string::npos) << text;
}

TEST(SampleSummary, EmptyAndReadOnly) {
  const SampleSummary empty = summarize({}, 10);
  EXPECT_EQ(empty.total_ops, 0u);
  EXPECT_TRUE(empty.value_size_histogram.empty());
  EXPECT_NE(to_text(empty).find("no writes"), std::string::npos);
  EXPECT_EQ(to_json(empty)["value_size"]["count"], 0);
}

TEST(SampleSummary, SkewOrdersDistributions) {
  // 1000 keys, 200 ops per key on average: observed frequencies are close to the true ones.
  auto summary_of = [](const std::string& dist) {
    WorkloadSpec spec;
    spec.key_count = 1000;
    spec.keys.dist = dist;
    spec.mix = {0.9, 0.1, 0, 0, 0};
    OpStream stream(spec, 0, 1);
    SampleSummarizer summarizer;
    for (int i = 0; i < 200000; ++i) summarizer.add(stream.next());
    return summarizer.finish(stream.key_count());
  };
  const auto uniform = summary_of("uniform");
  const auto zipf = summary_of("zipfian");
  const auto scrambled = summary_of("scrambled-zipfian");
  EXPECT_EQ(uniform.distinct_keys, 1000u);
  EXPECT_GT(uniform.hottest_10pct_share, 0.1);   // the hottest by observation are above average...
  EXPECT_LT(uniform.hottest_10pct_share, 0.13);  // ... but not by much
  // Zipfian 0.99: the 10 hottest of 1000 keys get H(10) / H(1000), about 39%.
  EXPECT_NEAR(zipf.hottest_1pct_share, 0.39, 0.02);
  EXPECT_GT(zipf.hottest_1pct_share, 10 * uniform.hottest_1pct_share);
  // Scrambling moves keys, not popularity.
  EXPECT_NEAR(scrambled.hottest_1pct_share, zipf.hottest_1pct_share, 0.01);
  EXPECT_NEAR(scrambled.hottest_10pct_share, zipf.hottest_10pct_share, 0.01);
  EXPECT_EQ(zipf.value_size_min, 100u);
  EXPECT_EQ(zipf.value_size_max, 100u);
}

}  // namespace
}  // namespace rpbench::workloads
