// KvStore: point operations, incremental rehash (growth and shrink) with lookups correct
// mid-rehash, the resize pause and its forced override, the order-independent digest.
#include "engines/kvstore/kvstore.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engines/kvstore/allocator_stats.h"
#include "tests/engines/test_util.h"

namespace rpbench::kvstore {
namespace {

using rpbench::testing::test_key;
using rpbench::testing::test_value;

TEST(KvStore, PutGetDelOverwrite) {
  KvStore s;
  std::string v;
  EXPECT_FALSE(s.get("a", &v));
  EXPECT_FALSE(s.del("a"));
  EXPECT_TRUE(s.put("a", "1"));
  EXPECT_TRUE(s.put("b", "22"));
  EXPECT_EQ(s.size(), 2u);
  ASSERT_TRUE(s.get("a", &v));
  EXPECT_EQ(v, "1");
  EXPECT_FALSE(s.put("a", "one"));  // overwrite
  EXPECT_EQ(s.size(), 2u);
  ASSERT_TRUE(s.get("a", &v));
  EXPECT_EQ(v, "one");
  EXPECT_TRUE(s.del("a"));
  EXPECT_FALSE(s.get("a", &v));
  EXPECT_FALSE(s.del("a"));
  EXPECT_EQ(s.size(), 1u);
  // Empty keys and values, binary bytes.
  EXPECT_TRUE(s.put("", ""));
  ASSERT_TRUE(s.get("", &v));
  EXPECT_EQ(v, "");
  const std::string bin("\0\xff\x01", 3);
  EXPECT_TRUE(s.put(bin, bin));
  ASSERT_TRUE(s.get(bin, &v));
  EXPECT_EQ(v, bin);
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_FALSE(s.get("b", &v));
  EXPECT_EQ(s.digest(), ContentDigest{});
}

TEST(KvStore, GrowsByIncrementalRehashWithLookupsCorrectMidRehash) {
  KvStore s;
  const int n = 20000;
  int checks_mid_rehash = 0;
  uint64_t last_buckets = 0;
  int grows = 0;
  std::string v;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(s.put(test_key(i), test_value(i, 0, 8)));
    const TableStats t = s.table_stats();
    if (t.buckets0 != last_buckets) {
      ++grows;
      last_buckets = t.buckets0;
    }
    if (t.rehashing) {
      ASSERT_GT(t.buckets1, t.buckets0);
      // Keys live in both tables now: every one inserted so far must be found.
      if (t.used0 > 0 && t.used1 > 0 && i % 97 == 0) {
        for (int j = 0; j <= i; j += 7) {
          ASSERT_TRUE(s.get(test_key(j), &v)) << "key " << j << " lost while rehashing at " << i;
          ASSERT_EQ(v, test_value(j, 0, 8));
        }
        ++checks_mid_rehash;
      }
    }
  }
  EXPECT_GT(checks_mid_rehash, 3);
  EXPECT_GT(grows, 10);
  while (s.rehash_steps(100)) {}
  const TableStats t = s.table_stats();
  EXPECT_FALSE(t.rehashing);
  EXPECT_GE(t.buckets0, static_cast<uint64_t>(n));
  EXPECT_EQ(t.buckets0 & (t.buckets0 - 1), 0u) << "bucket count is a power of two";
  EXPECT_EQ(s.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(s.get(test_key(i), &v));
}

TEST(KvStore, ShrinksByIncrementalRehashAfterDeletes) {
  KvStore s;
  const int n = 10000;
  for (int i = 0; i < n; ++i) s.put(test_key(i), "v");
  while (s.rehash_steps(100)) {}
  const uint64_t big = s.table_stats().buckets0;
  ASSERT_GE(big, 16384u);
  bool saw_shrink_rehash = false;
  std::string v;
  for (int i = 0; i < n - 100; ++i) {
    ASSERT_TRUE(s.del(test_key(i)));
    const TableStats t = s.table_stats();
    if (t.rehashing && t.buckets1 < t.buckets0) {
      saw_shrink_rehash = true;
      for (int j = n - 100; j < n; j += 9) ASSERT_TRUE(s.get(test_key(j), &v)) << "key " << j << " lost mid-shrink";
    }
  }
  EXPECT_TRUE(saw_shrink_rehash);
  for (int r = 0; r < 100000 && s.rehashing(); ++r) s.get(test_key(n - 1), &v);
  const TableStats t = s.table_stats();
  EXPECT_FALSE(t.rehashing);
  EXPECT_LT(t.buckets0, big);
  EXPECT_LE(t.buckets0, 2048u);  // 100 keys: 2048 or, if a second shrink started, 128
  EXPECT_EQ(s.size(), 100u);
  for (int j = n - 100; j < n; ++j) ASSERT_TRUE(s.get(test_key(j), &v));
}

TEST(KvStore, PauseResizeHoldsGrowthUntilTheForceRatio) {
  KvStore s;
  for (int i = 0; i < 64; ++i) s.put(test_key(i), "v");
  while (s.rehash_steps(100)) {}
  const uint64_t b = s.table_stats().buckets0;
  ASSERT_EQ(b, 64u);
  s.pause_resize(true);
  const uint64_t started = s.table_stats().resizes_started;
  int i = 64;
  // Up to and including load factor 5 (integer division, as Redis): no resize.
  for (; i < static_cast<int>(b * (KvStore::kForceResizeRatio + 1)); ++i) {
    s.put(test_key(i), "v");
    ASSERT_EQ(s.table_stats().buckets0, b) << "resized while paused at " << i << " keys";
    ASSERT_FALSE(s.rehashing());
  }
  EXPECT_EQ(s.table_stats().resizes_started, started);
  // Beyond the ratio a resize is forced.
  for (; i < static_cast<int>(b * (KvStore::kForceResizeRatio + 2)) && !s.rehashing(); ++i) s.put(test_key(i), "v");
  EXPECT_TRUE(s.rehashing());
  EXPECT_EQ(s.table_stats().forced_resizes, 1u);
  std::string v;
  for (int j = 0; j < i; ++j) ASSERT_TRUE(s.get(test_key(j), &v));

  // Shrinking is held off too while paused.
  while (s.rehash_steps(100)) {}
  const uint64_t grown = s.table_stats().buckets0;
  for (int j = 0; j < i - 2; ++j) s.del(test_key(j));
  EXPECT_EQ(s.table_stats().buckets0, grown);
  EXPECT_FALSE(s.rehashing());
  s.pause_resize(false);
  s.del(test_key(i - 2));
  EXPECT_TRUE(s.rehashing()) << "shrink starts once resizing is resumed";
}

TEST(KvStore, DigestDoesNotDependOnOrderButOnContent) {
  const int n = 3000;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  KvStore a;
  for (int i : order) a.put(test_key(i), test_value(i, 1, 20));
  std::mt19937_64 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  KvStore b;
  for (int i : order) {
    b.put(test_key(i), test_value(i, 0, 33));  // an older version first
    if (i % 5 == 0) b.put("extra" + std::to_string(i), "x");
  }
  for (int i : order) b.put(test_key(i), test_value(i, 1, 20));
  for (int i = 0; i < n; i += 5) b.del("extra" + std::to_string(i));
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.digest().hex(), b.digest().hex());
  EXPECT_EQ(a.digest(), a.compute_digest());
  EXPECT_EQ(b.digest(), b.compute_digest());
  EXPECT_EQ(a.digest().count, static_cast<uint64_t>(n));

  // One byte of one value differs.
  std::string v = test_value(17, 1, 20);
  v[3] ^= 1;
  b.put(test_key(17), v);
  EXPECT_NE(a.digest(), b.digest());
  b.put(test_key(17), test_value(17, 1, 20));
  EXPECT_EQ(a.digest(), b.digest());
  // Two values swapped between keys.
  b.put(test_key(1), test_value(2, 1, 20));
  b.put(test_key(2), test_value(1, 1, 20));
  EXPECT_NE(a.digest(), b.digest());
  // One key fewer.
  KvStore c;
  for (int i = 1; i < n; ++i) c.put(test_key(i), test_value(i, 1, 20));
  EXPECT_NE(a.digest(), c.digest());

  ContentDigest parsed;
  ASSERT_TRUE(ContentDigest::parse(a.digest().hex(), &parsed));
  EXPECT_EQ(parsed, a.digest());
  EXPECT_FALSE(ContentDigest::parse("xyz", &parsed));
}

TEST(KvStore, MoveAndSwapKeepContent) {
  KvStore a;
  for (int i = 0; i < 1000; ++i) a.put(test_key(i), test_value(i, 0, 10));
  const ContentDigest d = a.digest();
  KvStore b(std::move(a));
  EXPECT_EQ(b.digest(), d);
  EXPECT_EQ(b.size(), 1000u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): a moved-from store is empty
  KvStore c;
  c.put("x", "y");
  c.swap(b);
  EXPECT_EQ(c.digest(), d);
  EXPECT_EQ(b.size(), 1u);
}

TEST(AllocatorStats, NamesTheAllocatorAndCountsItsBytes) {
  const std::string name = allocator_name();
  EXPECT_TRUE(name == "glibc" || name == "jemalloc" || name == "tcmalloc") << name;
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer replaces malloc: the allocator's own counters do not see its allocations";
#else
  const int64_t before = allocated_bytes();
  ASSERT_GE(before, 0);
  KvStore s;
  for (int i = 0; i < 20000; ++i) s.put(test_key(i), std::string(200, 'v'));
  const int64_t after = allocated_bytes();
  EXPECT_GE(after - before, 20000 * 200);
#endif
}

}  // namespace
}  // namespace rpbench::kvstore
