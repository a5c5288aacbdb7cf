// Copy-on-write bookkeeping after fork and the probe experiments' building blocks. Suite names
// start with "Os": these tests fork and read /proc (ctest label "os").
#include <sys/mman.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "harness/probe/probe_faults.h"
#include "harness/probe/probe_fork.h"
#include "measure/mapping.h"
#include "measure/os_probes.h"
#include "measure/paused_child.h"
#include "tests/measure/test_mapping.h"

namespace rpbench::measure {
namespace {

constexpr int64_t kPage = 4096;
// Pages the parent itself dirties around the measurement (stack, heap of the /proc reader) also
// become private to the child; allow for them.
constexpr int64_t kSlackBytes = 2 << 20;

TEST(OsCow, PausedChildExitsCleanly) {
  PausedChild child;
  EXPECT_GT(child.pid(), 0);
  EXPECT_GE(private_dirty_bytes(child.pid()), 0);  // alive and readable
  const int status = child.release_and_wait();
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(child.release_and_wait(), status);
}

// After fork, writing K distinct pages in the parent raises the parent's minor faults by at least
// K, and the child's Private_Dirty grows by about K pages.
TEST(OsCow, ParentWritesBecomeChildPrivateDirty) {
  constexpr size_t kRegionPages = 8192;
  for (size_t k : {size_t{512}, size_t{4096}}) {
    AnonMapping m = rpbench::testing::must_map(kRegionPages * kPage, 0, MADV_NOHUGEPAGE);
    m.touch(kPage);
    PausedChild child;
    const int64_t dirty0 = private_dirty_bytes(child.pid());
    const Rusage ru0 = self_rusage();
    volatile unsigned char* p = m.data();
    for (size_t i = 0; i < k; ++i) p[i * kPage + 1] = 7;
    const Rusage ru1 = self_rusage();
    const int64_t dirty1 = private_dirty_bytes(child.pid());
    child.release_and_wait();
    ASSERT_GE(dirty0, 0);
    ASSERT_GE(dirty1, 0);
    const auto kk = static_cast<int64_t>(k);
    EXPECT_GE(ru1.minflt - ru0.minflt, kk) << "K=" << k;
    EXPECT_GE(dirty1 - dirty0, kk * kPage) << "K=" << k;
    EXPECT_LE(dirty1 - dirty0, kk * kPage + kSlackBytes) << "K=" << k;
  }
}

TEST(OsCow, RelationProbeIsProportional) {
  const CowRelationPoint none = measure_cow_relation(4096, 0, false);
  EXPECT_EQ(none.pages_written, 0u);
  EXPECT_GE(none.parent_minflt, 0);
  EXPECT_LE(none.private_dirty_bytes, kSlackBytes);
  const CowRelationPoint all = measure_cow_relation(4096, 4096, false);
  EXPECT_GE(all.parent_minflt, 4096);
  EXPECT_GE(all.private_dirty_bytes, 4096 * kPage);
  EXPECT_LE(all.private_dirty_bytes, 4096 * kPage + kSlackBytes);
  EXPECT_THROW(measure_cow_relation(10, 11, false), std::invalid_argument);
  const auto j = to_json(all);
  for (const char* k : {"pages_written", "warmup", "parent_minflt", "private_dirty_bytes"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST(OsCow, FaultCasesCountEveryTimedWrite) {
  constexpr size_t kPages = 256;
  for (bool warmup : {false, true}) {
    for (const auto& r :
         {time_first_touch_4k(kPages, warmup), time_prefaulted_write_4k(kPages, warmup), time_cow_4k(kPages, warmup)}) {
      EXPECT_EQ(r.latency.count(), kPages) << to_string(r.kind);
      EXPECT_EQ(r.total_ns, r.latency.sum());
      EXPECT_GT(r.total_ns, 0u);
      EXPECT_FALSE(r.thp_used) << to_string(r.kind);
      EXPECT_EQ(r.warmup, warmup);
    }
  }
  const auto thp_first = time_first_touch_thp(2, false);
  EXPECT_EQ(thp_first.kind, FaultCaseKind::kFirstTouchThp);
  EXPECT_EQ(thp_first.latency.count(), 2u);
  const auto cow = time_cow_thp(2, false);
  ASSERT_EQ(cow.size(), 2u);
  EXPECT_EQ(cow[0].kind, FaultCaseKind::kCowThpFirst);
  EXPECT_EQ(cow[0].latency.count(), 2u);
  EXPECT_EQ(cow[1].kind, FaultCaseKind::kCowThpRest);
  EXPECT_EQ(cow[1].latency.count(), 2u * 511);
  EXPECT_EQ(cow[0].thp_used, cow[1].thp_used);
  if (thp_mode() == "never") {
    EXPECT_FALSE(cow[0].thp_used);
  }
  const auto j = to_json(cow[1]);
  EXPECT_EQ(j.at("case"), "cow_thp_rest");
  EXPECT_EQ(j.at("count"), 2 * 511);
  EXPECT_EQ(j.at("latency").at("count"), 2 * 511);
}

TEST(OsCow, ForkCaseTimesEveryRepeat) {
  const ForkCaseResult r = run_fork_case({8u << 20, PageKind::k4k, false, 3});
  ASSERT_EQ(r.fork_us.size(), 3u);
  for (double us : r.fork_us) EXPECT_GT(us, 0.0);
  EXPECT_GT(r.fork_us_median, 0.0);
  EXPECT_DOUBLE_EQ(r.us_per_gb, r.fork_us_median * 128.0);  // 8 MiB = 1/128 GiB
  EXPECT_FALSE(r.thp_used);
  EXPECT_THROW(run_fork_case({0, PageKind::k4k, false, 1}), std::invalid_argument);
  EXPECT_THROW(run_fork_case({4096, PageKind::k4k, false, 0}), std::invalid_argument);
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
}

}  // namespace
}  // namespace rpbench::measure
