// Probe experiment: how long fork() blocks the parent, as a function of the parent's resident
// anonymous memory, with 4 KiB pages and with transparent huge pages. The parent times each
// fork() from the call to its return in the parent (the child _exit(0)s at once), then reaps the
// child. Page tables are what fork copies, so the cost grows with the number of page-table
// entries: THP (one PMD entry per 2 MiB) should make it far cheaper.
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace rpbench::measure {

enum class PageKind { k4k, kThp };

struct ForkCase {
  uint64_t size_bytes = 0;
  PageKind pages = PageKind::k4k;
  bool warmup = false;  // memory_warmup(size_bytes) ran just before the region was allocated
  int repeats = 0;
};

struct ForkCaseResult {
  ForkCase c;
  bool thp_used = false;        // AnonHugePages of the region > 0
  int64_t anon_huge_bytes = 0;  // AnonHugePages of the region (-1 if unreadable)
  int64_t thp_fault_alloc = 0;  // /proc/vmstat thp_fault_alloc delta while touching the region
  std::vector<double> fork_us;  // one per repeat
  double fork_us_median = 0;
  double us_per_gb = 0;  // median / (size in GiB)
};

// Allocates the region (MADV_NOHUGEPAGE for 4k, 2 MiB aligned and MADV_HUGEPAGE for thp), writes
// every page, forks c.repeats times. Throws std::runtime_error if memory or fork fails,
// std::invalid_argument for a zero size or repeats < 1.
ForkCaseResult run_fork_case(const ForkCase& c);

// {"size_bytes", "pages": "4k"|"thp", "thp_used", "anon_huge_bytes", "thp_fault_alloc", "warmup",
//  "repeats", "fork_us": [...], "fork_us_median", "us_per_gb"}
nlohmann::json to_json(const ForkCaseResult& r);

const char* to_string(PageKind k);

// Median of a non-empty sample (0 for an empty one).
double median(std::vector<double> v);

}  // namespace rpbench::measure
