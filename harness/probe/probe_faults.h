// Probe experiment: the cost of single page faults, timed one by one (a clock read on each side
// of the first write to a page, so every sample includes one clock read, see the context's
// timer.read_cost_ns), and the copy-on-write bookkeeping a fork leaves behind.
//
// Cases (FaultCaseKind):
//   first_touch_4k       first write to fresh anonymous 4 KiB pages (MADV_NOHUGEPAGE)
//   prefaulted_write_4k  a write to pages already written (memset): the no-fault baseline
//   cow_4k               first write after fork() to 4 KiB pages shared with a paused child
//   first_touch_thp      first write to each 2 MiB page of a MADV_HUGEPAGE region
//   cow_thp_first        first write after fork() to each 2 MiB page shared with a paused child
//   cow_thp_rest         the writes to the other 4 KiB pages of that 2 MiB page after it
// The cow relation: after fork, the parent writes K distinct 4 KiB pages while the child stays
// alive; the parent's minor faults rise by at least K and the child's Private_Dirty by about K
// pages (each page the parent copies leaves the original to the child alone).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/histogram.h"

namespace rpbench::measure {

enum class FaultCaseKind { kFirstTouch4k, kPrefaultedWrite4k, kCow4k, kFirstTouchThp, kCowThpFirst, kCowThpRest };

const char* to_string(FaultCaseKind k);

struct FaultCaseResult {
  FaultCaseKind kind = FaultCaseKind::kFirstTouch4k;
  bool warmup = false;    // memory_warmup(region size) ran just before the region was allocated
  bool thp_used = false;  // AnonHugePages of the region > 0 when the timed writes began
  uint64_t total_ns = 0;  // sum of the timed samples
  Histogram latency{7};
};

// Timed 4 KiB cases over a region of `pages` pages (> 0).
FaultCaseResult time_first_touch_4k(size_t pages, bool warmup);
FaultCaseResult time_prefaulted_write_4k(size_t pages, bool warmup);
FaultCaseResult time_cow_4k(size_t pages, bool warmup);
// THP cases over `huge_pages` 2 MiB pages (> 0). cow_thp returns {cow_thp_first, cow_thp_rest}
// from one fork.
FaultCaseResult time_first_touch_thp(size_t huge_pages, bool warmup);
std::vector<FaultCaseResult> time_cow_thp(size_t huge_pages, bool warmup);

struct CowRelationPoint {
  uint64_t pages_written = 0;
  bool warmup = false;
  int64_t parent_minflt = 0;        // the parent's minor-fault delta over the writes
  int64_t private_dirty_bytes = 0;  // growth of the child's Private_Dirty over the writes
};
// Region of `region_pages` 4 KiB pages (MADV_NOHUGEPAGE, written before fork); the parent writes
// the first `pages_written` (<= region_pages) of them while the child is paused. Throws
// std::runtime_error if the child's smaps_rollup cannot be read.
CowRelationPoint measure_cow_relation(size_t region_pages, size_t pages_written, bool warmup);

// {"case", "warmup", "thp_used", "count", "total_ns", "latency": <Histogram JSON>}
nlohmann::json to_json(const FaultCaseResult& r);
// {"pages_written", "warmup", "parent_minflt", "private_dirty_bytes"}
nlohmann::json to_json(const CowRelationPoint& p);

}  // namespace rpbench::measure
