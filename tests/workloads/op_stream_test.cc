// The op stream: determinism, mix, insert ids and versions across threads, item numbers.
#include "workloads/op_stream.h"

#include <gtest/gtest.h>

#include <set>
#include <unordered_set>
#include <vector>

namespace rpbench::workloads {
namespace {

WorkloadSpec mixed_spec(const std::string& dist = "zipfian") {
  WorkloadSpec s;
  s.key_count = 100000;
  s.keys.dist = dist;
  s.mix = {0.5, 0.2, 0.1, 0.1, 0.1};
  s.value_size.dist = "buckets";
  s.value_size.buckets = {{80, 128, 0.7}, {129, 256, 0.2}, {257, 1024, 0.1}};
  s.seed = 42;
  return s;
}

std::vector<Op> take(OpStream& stream, int n) {
  std::vector<Op> ops(static_cast<size_t>(n));
  for (auto& op : ops) op = stream.next();
  return ops;
}

TEST(OpStream, SameSpecSameSequence) {
  for (const auto& dist : key_distributions()) {
    const auto spec = mixed_spec(std::string(dist));
    OpStream a(spec, 1, 4), b(spec, 1, 4);
    EXPECT_EQ(take(a, 50000), take(b, 50000)) << dist;
    EXPECT_EQ(a.key_count(), b.key_count());
  }
}

TEST(OpStream, SeedAndThreadChangeTheSequence) {
  const auto spec = mixed_spec();
  auto other_seed = spec;
  other_seed.seed = 43;
  OpStream base(spec, 0, 2), seed(other_seed, 0, 2), thread(spec, 1, 2);
  const auto a = take(base, 1000), b = take(seed, 1000), c = take(thread, 1000);
  int differ_seed = 0, differ_thread = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    differ_seed += !(a[i] == b[i]);
    differ_thread += !(a[i] == c[i]);
  }
  EXPECT_GT(differ_seed, 500);
  EXPECT_GT(differ_thread, 500);
}

TEST(OpStream, MixProportions) {
  OpStream stream(mixed_spec("uniform"), 0, 1);
  std::array<int, kOpTypeCount> counts{};
  constexpr int kOps = 200000;
  for (int i = 0; i < kOps; ++i) ++counts[static_cast<size_t>(stream.next().type)];
  const double expected[kOpTypeCount] = {0.5, 0.2, 0.1, 0.1, 0.1};
  for (int t = 0; t < kOpTypeCount; ++t) EXPECT_NEAR(counts[t] / double(kOps), expected[t], 0.005) << t;
}

TEST(OpStream, AbsentTypesNeverAppear) {
  WorkloadSpec spec = mixed_spec("uniform");
  spec.mix = {0.75, 0.25, 0, 0, 0};
  OpStream stream(spec, 0, 1);
  for (int i = 0; i < 100000; ++i) {
    const Op op = stream.next();
    ASSERT_TRUE(op.type == OpType::kRead || op.type == OpType::kUpdate);
  }
  EXPECT_EQ(stream.key_count(), spec.key_count);
}

TEST(OpStream, WritesCarryUniqueVersionsAndTheirSizes) {
  const auto spec = mixed_spec("scrambled-zipfian");
  constexpr uint32_t kThreads = 4;
  std::unordered_set<uint64_t> versions;
  std::set<uint64_t> inserted;
  for (uint32_t t = 0; t < kThreads; ++t) {
    OpStream stream(spec, t, kThreads);
    uint64_t inserts = 0;
    for (int i = 0; i < 20000; ++i) {
      const Op op = stream.next();
      ASSERT_LT(op.key_id, spec.key_count + kThreads * 20000);
      if (op.type == OpType::kRead || op.type == OpType::kDelete) {
        EXPECT_EQ(op.version, 0u);
        EXPECT_EQ(op.value_size, 0u);
        continue;
      }
      EXPECT_NE(op.version, 0u);
      EXPECT_EQ(op.version % kThreads, (1 + t) % kThreads);
      EXPECT_TRUE(versions.insert(op.version).second) << "version " << op.version << " repeated";
      EXPECT_EQ(op.value_size, stream.value_sizer().size_for(op.key_id, op.version));
      EXPECT_GE(op.value_size, 80u);
      if (op.type == OpType::kInsert) {
        // Disjoint across threads: loaded + t + j * T.
        EXPECT_EQ(op.key_id, spec.key_count + t + inserts * kThreads);
        EXPECT_TRUE(inserted.insert(op.key_id).second) << "insert id " << op.key_id << " repeated";
        ++inserts;
      }
    }
    EXPECT_EQ(stream.inserts(), inserts);
    EXPECT_EQ(stream.key_count(), spec.key_count + inserts);
    EXPECT_GT(inserts, 1000u);
  }
}

TEST(OpStream, ItemsMapToKeyIds) {
  for (const auto& dist : key_distributions()) {
    const auto spec = mixed_spec(std::string(dist));
    OpStream stream(spec, 2, 3);
    int scrambled = 0;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t before = stream.key_count();
      uint64_t item = 0;
      const Op op = stream.next(&item);
      if (op.type == OpType::kInsert) {
        EXPECT_EQ(item, before);
        EXPECT_EQ(stream.key_count(), before + 1);
      } else {
        ASSERT_LT(item, stream.key_count()) << dist;
      }
      EXPECT_EQ(op.key_id, stream.key_id_of(item)) << dist;
      scrambled += item < spec.key_count && op.key_id != item;
    }
    if (dist == "scrambled-zipfian") {
      EXPECT_GT(scrambled, 15000);
    } else {
      EXPECT_EQ(scrambled, 0) << dist;
    }
  }
}

TEST(OpStream, ReadsReachInsertedKeys) {
  WorkloadSpec spec = mixed_spec("latest");
  spec.mix = {0.5, 0, 0.5, 0, 0};
  OpStream stream(spec, 1, 2);
  std::unordered_set<uint64_t> inserted;
  int reads_of_inserted = 0, reads = 0;
  for (int i = 0; i < 20000; ++i) {
    const Op op = stream.next();
    if (op.type == OpType::kInsert) {
      inserted.insert(op.key_id);
    } else {
      ++reads;
      reads_of_inserted += inserted.count(op.key_id) > 0;
      // Never a key another stream inserts.
      if (op.key_id >= spec.key_count) {
        EXPECT_EQ((op.key_id - spec.key_count) % 2, 1u);
      }
    }
  }
  // `latest` favours the newest keys: most reads hit keys this stream inserted.
  EXPECT_GT(reads_of_inserted, reads / 3);
}

TEST(OpStream, InsertOnlyFromAnEmptyKeySpace) {
  WorkloadSpec spec;
  spec.key_count = 0;
  spec.mix = {0, 0, 1, 0, 0};
  OpStream stream(spec, 0, 1);
  for (uint64_t i = 0; i < 100; ++i) {
    const Op op = stream.next();
    EXPECT_EQ(op.type, OpType::kInsert);
    EXPECT_EQ(op.key_id, i);
    EXPECT_EQ(op.version, i + 1);
    EXPECT_EQ(op.value_size, 100u);
  }
}

TEST(OpStream, RejectsBadArguments) {
  EXPECT_THROW(OpStream(mixed_spec(), 4, 4), std::invalid_argument);
  EXPECT_THROW(OpStream(mixed_spec(), 0, 0), std::invalid_argument);
  WorkloadSpec bad = mixed_spec();
  bad.mix.read = 0.4;
  EXPECT_THROW(OpStream(bad, 0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace rpbench::workloads
