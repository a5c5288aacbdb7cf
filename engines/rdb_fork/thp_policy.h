// ThpPolicy: what the engine does about transparent huge pages for the store's memory, and a
// record of it for the result (the "thp" engine option).
//
//   never    prctl(PR_SET_THP_DISABLE, 1): no huge pages for this process (and its fork children)
//            whatever the system mode; restored (prctl 0) when the policy is destroyed.
//   madvise  the store's memory is made THP-eligible: with glibc, mallopt(M_TOP_PAD, 32 MiB) so
//            the heap grows in large steps, and madvise(MADV_HUGEPAGE) on the heap and every
//            private anonymous writable mapping of at least 2 MiB (where any allocator keeps its
//            arenas and large blocks), at open, after each hash-table resize and before each
//            fork. Memory mapped after the last of those points is not advised.
//   default  nothing: the system mode (/sys/kernel/mm/transparent_hugepage/enabled) decides.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::rdb_fork {

class ThpPolicy {
 public:
  // Applies the mode; throws std::runtime_error when the OS refuses (e.g. prctl fails).
  explicit ThpPolicy(const std::string& mode);
  ~ThpPolicy();
  ThpPolicy(const ThpPolicy&) = delete;
  ThpPolicy& operator=(const ThpPolicy&) = delete;

  // In madvise mode, advises the current heap and large anonymous mappings; no-op otherwise.
  void advise();

  const std::string& mode() const { return mode_; }
  nlohmann::json report() const;

 private:
  std::string mode_;
  std::string system_mode_;
  bool disabled_by_prctl_ = false;
  std::string actions_;
  uint64_t advise_calls_ = 0;
  uint64_t advised_bytes_last_ = 0;
  uint64_t advise_errors_ = 0;
};

// The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise",
// "never"), or "unknown".
std::string system_thp_mode();

}  // namespace rpbench::rdb_fork
