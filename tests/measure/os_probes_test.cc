// OS probes return sane values and move the right way when this process touches memory.
// Suite names start with "Os": these tests read /proc and fork (ctest label "os").
#include "measure/os_probes.h"

#include <sys/mman.h>

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "measure/mapping.h"
#include "tests/measure/test_mapping.h"

namespace rpbench::measure {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

TEST(OsProbes, ThpSettingsAreKnownWords) {
  const std::set<std::string> modes{"always", "madvise", "never", "unknown"};
  EXPECT_TRUE(modes.count(thp_mode())) << thp_mode();
  const std::set<std::string> defrags{"always", "defer", "defer+madvise", "madvise", "never", "unknown"};
  EXPECT_TRUE(defrags.count(thp_defrag())) << thp_defrag();
}

TEST(OsProbes, BasicReadingsAreSane) {
  EXPECT_GT(rss_bytes(), 0);
  EXPECT_GE(private_dirty_bytes(0), 0);
  EXPECT_GE(steal_ms(), 0.0);
  const Rusage ru = self_rusage();
  EXPECT_GT(ru.minflt, 0);
  EXPECT_GE(ru.majflt, 0);
  for (const auto& [name, value] : read_vmstat_thp()) {
    EXPECT_EQ(name.rfind("thp_", 0), 0u) << name;
    EXPECT_GE(value, 0) << name;
  }
  EXPECT_EQ(private_dirty_bytes(999'999'999), -1);  // no such process
}

TEST(OsProbes, TouchingPagesRaisesFaultsRssAndPrivateDirty) {
  constexpr size_t kPages = 8192;  // 32 MiB
  AnonMapping m = rpbench::testing::must_map(kPages * 4096, 0, MADV_NOHUGEPAGE);
  const Rusage ru0 = self_rusage();
  const int64_t rss0 = rss_bytes();
  const int64_t dirty0 = private_dirty_bytes(0);
  m.touch(4096);
  const Rusage ru1 = self_rusage();
  EXPECT_GE(ru1.minflt - ru0.minflt, static_cast<int64_t>(kPages));
  EXPECT_GE(rss_bytes() - rss0, static_cast<int64_t>(kPages * 4096 * 9 / 10));
  EXPECT_GE(private_dirty_bytes(0) - dirty0, static_cast<int64_t>(kPages * 4096 * 9 / 10));
  EXPECT_EQ(anon_huge_bytes(m.data(), m.size()), 0);
}

TEST(OsProbes, AnonHugeBytesMatchesThpAllocations) {
  AnonMapping m = rpbench::testing::must_map(8 * kHugePageSize, kHugePageSize, MADV_HUGEPAGE);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.data()) % kHugePageSize, 0u);
  const auto before = read_vmstat_thp();
  m.touch(4096);
  const auto after = read_vmstat_thp();
  const int64_t huge = anon_huge_bytes(m.data(), m.size());
  ASSERT_GE(huge, 0);
  EXPECT_EQ(huge % static_cast<int64_t>(kHugePageSize), 0);
  EXPECT_LE(huge, static_cast<int64_t>(m.size()));
  if (thp_mode() == "never") {
    EXPECT_EQ(huge, 0);
  }
  if (before.count("thp_fault_alloc") && after.at("thp_fault_alloc") - before.at("thp_fault_alloc") >= 8) {
    EXPECT_GT(huge, 0);  // the kernel says it allocated huge pages: at least some are ours
  }
}

TEST(OsProbes, SnapshotProbeReportsDeltasAndPeak) {
  SnapshotProbe probe;
  AnonMapping m = rpbench::testing::must_map(16 * kMiB, 0, MADV_NOHUGEPAGE);
  m.touch(4096);
  probe.sample();
  const auto j = probe.finish();
  for (const char* k : {"parent_minflt", "parent_majflt", "parent_nvcsw", "parent_nivcsw", "thp", "thp_mode",
                        "rss_before_bytes", "rss_peak_bytes", "rss_after_bytes"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_GE(j.at("parent_minflt").get<int64_t>(), static_cast<int64_t>(16 * kMiB / 4096));
  EXPECT_GE(j.at("parent_majflt").get<int64_t>(), 0);
  EXPECT_GE(j.at("rss_peak_bytes").get<int64_t>(), j.at("rss_before_bytes").get<int64_t>());
  EXPECT_GE(j.at("rss_peak_bytes").get<int64_t>(), j.at("rss_after_bytes").get<int64_t>());
  EXPECT_GE(j.at("rss_peak_bytes").get<int64_t>() - j.at("rss_before_bytes").get<int64_t>(),
            static_cast<int64_t>(16 * kMiB * 9 / 10));
  EXPECT_TRUE(j.at("thp").is_object());
  for (const auto& [name, delta] : j.at("thp").items()) {
    EXPECT_EQ(name.rfind("thp_", 0), 0u);
    EXPECT_GE(delta.get<int64_t>(), 0) << name;
  }
  EXPECT_EQ(j.at("thp_mode"), thp_mode());
}

TEST(OsProbes, MemoryWarmupTouchesAndReleases) {
  const Rusage ru0 = self_rusage();
  const int64_t rss0 = rss_bytes();
  ASSERT_TRUE(memory_warmup(32 * kMiB).ok());
  const Rusage ru1 = self_rusage();
  // Every page was written (a fault each, fewer if THP backed some of them) ...
  EXPECT_GE(ru1.minflt - ru0.minflt, static_cast<int64_t>(32 * kMiB / kHugePageSize));
  // ... and given back.
  EXPECT_LT(rss_bytes() - rss0, static_cast<int64_t>(8 * kMiB));
  EXPECT_TRUE(memory_warmup(0).ok());
}

TEST(OsProbes, AnonMappingRejectsBadArguments) {
  EXPECT_EQ(AnonMapping::map(0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AnonMapping::map(4096, 3 * 4096).status().code(), Status::Code::kInvalidArgument);
  // More than the address space can hold: mmap fails, and the Status says how much was asked for.
  const auto huge = AnonMapping::map(size_t{1} << 62);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(huge.status().message().find(std::to_string(size_t{1} << 62)), std::string::npos)
      << huge.status().message();
  AnonMapping a = rpbench::testing::must_map(5000);
  EXPECT_EQ(a.size(), 8192u);
  AnonMapping b = std::move(a);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.size(), 8192u);
}

}  // namespace
}  // namespace rpbench::measure
