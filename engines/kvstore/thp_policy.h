// ThpPolicy: what the engine does about transparent huge pages for the store's memory, and a
// record of it for the result (the "thp" option of the engines built on the kvstore).
//
//   never    prctl(PR_SET_THP_DISABLE, 1): no huge pages for this process (and its fork children)
//            whatever the system mode; restored (prctl 0) when the policy is destroyed.
//   madvise  the store's memory is made THP-eligible: madvise(MADV_HUGEPAGE) on the heap and
//            every private anonymous writable mapping of at least 2 MiB (where any allocator
//            keeps its arenas and large blocks) at open, after each hash-table resize, before
//            each fork, and, with glibc, whenever the heap's end (sbrk(0)) has moved; glibc's
//            heap grows in 32 MiB steps (mallopt(M_TOP_PAD)) so each new step is advised before
//            its pages are first touched. With jemalloc or tcmalloc, memory an arena maps between
//            two of those points is faulted before it is advised (khugepaged may collapse it
//            later): for them, MALLOC_CONF=thp:always (jemalloc) at process start is the
//            stronger setting. GLIBC_TUNABLES=glibc.malloc.hugetlb=1, when set, is recorded.
//   default  nothing: the system mode (/sys/kernel/mm/transparent_hugepage/enabled) decides.
//
// These are process-wide settings (one engine per process is the harness's case): with two
// engines open at once, the later one's mode applies to both.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/field.h"
#include "base/status.h"

namespace rpbench::kvstore {

enum class ThpMode { kNever, kMadvise, kDefault };
inline constexpr config::NameTable<ThpMode, 3> kThpModeNames{
    {{ThpMode::kNever, "never"}, {ThpMode::kMadvise, "madvise"}, {ThpMode::kDefault, "default"}}};

class ThpPolicy {
 public:
  explicit ThpPolicy(ThpMode mode);
  // Applies the mode; an error when the OS refuses (e.g. prctl fails).
  Status apply();
  ~ThpPolicy();
  ThpPolicy(const ThpPolicy&) = delete;
  ThpPolicy& operator=(const ThpPolicy&) = delete;

  // In madvise mode, advises the current heap and large anonymous mappings; no-op otherwise.
  void advise();
  // Cheap check for the hot path: in madvise mode with glibc, advise() when the heap has grown.
  void advise_if_heap_grew() {
    if (track_brk_ && ::sbrk(0) != last_brk_) advise();
  }

  ThpMode mode() const { return mode_; }
  nlohmann::json report() const;

 private:
  ThpMode mode_;
  std::string system_mode_;
  bool disabled_by_prctl_ = false;
  std::string actions_;
  uint64_t advise_calls_ = 0;
  uint64_t advised_bytes_last_ = 0;
  uint64_t advise_errors_ = 0;
  bool track_brk_ = false;
  void* last_brk_ = nullptr;
};

}  // namespace rpbench::kvstore
