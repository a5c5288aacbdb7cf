// What the kernel says about this process and the machine, read around a snapshot or a probe:
// page faults and context switches (getrusage), THP settings and events (/sys, /proc/vmstat),
// dirty and resident memory (/proc/<pid>/smaps_rollup, statm), host steal time (/proc/stat).
// Readers of /proc return -1 (or "unknown", or an empty map) when a file cannot be read, so a
// probe never stops a run; the result then shows the gap.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include "base/status.h"

#include <nlohmann/json.hpp>

namespace rpbench::measure {

struct Rusage {
  int64_t minflt, majflt, nvcsw, nivcsw;
};
// getrusage(RUSAGE_SELF): all threads of this process.
Rusage self_rusage();

// Every /proc/vmstat counter whose name starts with "thp_".
std::map<std::string, int64_t> read_vmstat_thp();

// The bracketed choice in /sys/kernel/mm/transparent_hugepage/{enabled,defrag}; "unknown" if
// unreadable.
std::string thp_mode();
std::string thp_defrag();

// Private_Dirty of /proc/<pid>/smaps_rollup in bytes (pid 0 = this process); -1 if unreadable.
int64_t private_dirty_bytes(int pid);
// This process's resident set in bytes (/proc/self/statm); -1 if unreadable.
int64_t rss_bytes();
// The resident set by kind (/proc/self/status RssAnon, RssFile, RssShmem), bytes; -1 where
// unreadable. A process that maps a shm memory node's region counts the region's touched pages
// in RssShmem: remote memory, not the process's own.
struct RssParts {
  int64_t anon = -1;
  int64_t file = -1;
  int64_t shmem = -1;
};
RssParts rss_parts();
// Cumulative steal time of all CPUs (/proc/stat, USER_HZ ticks converted with sysconf), in ms;
// -1 if unreadable.
double steal_ms();
// Sum of AnonHugePages (bytes) over this process's mappings that overlap [addr, addr + len), from
// /proc/self/smaps; -1 if unreadable. Says whether THP really backs a region.
int64_t anon_huge_bytes(const void* addr, size_t len);

// Brackets a snapshot in the parent: construction records the starting figures, sample() (call
// it while the snapshot runs) tracks the RSS peak, finish() returns
// {"parent_minflt", "parent_majflt", "parent_nvcsw", "parent_nivcsw" (deltas since construction),
//  "thp": {"thp_...": delta, ...}, "thp_mode", "rss_before_bytes", "rss_peak_bytes",
//  "rss_after_bytes"}.
class SnapshotProbe {
 public:
  SnapshotProbe();
  void sample();
  nlohmann::json finish();

 private:
  Rusage start_;
  std::map<std::string, int64_t> thp_start_;
  int64_t rss_before_;
  int64_t rss_peak_;
};

// Touches and releases `bytes` of memory just before a measured phase, so the guest's free pages
// are host-backed (with free page reporting on a VM, the first use of freed memory costs a host
// fault). Maps anonymous memory, writes every page, unmaps. 0 does nothing; a mapping that fails
// gives its Status.
Status memory_warmup(size_t bytes);

}  // namespace rpbench::measure
