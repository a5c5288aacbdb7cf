#include "engines/kvstore/thp_policy.h"

#include "measure/os_probes.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "base/errno_text.h"
#include "engines/kvstore/allocator_stats.h"

namespace rpbench::kvstore {

namespace {
constexpr uint64_t kHugePage = 2u << 20;
}

ThpPolicy::ThpPolicy(ThpMode mode) : mode_(mode), system_mode_(measure::thp_mode()) {}

Status ThpPolicy::apply() {
  if (mode_ == ThpMode::kNever) {
    if (::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
      return errno_status("engine.thp=never: prctl(PR_SET_THP_DISABLE)");
    disabled_by_prctl_ = true;
    actions_ = "prctl(PR_SET_THP_DISABLE, 1) for the process and its fork children";
  } else if (mode_ == ThpMode::kMadvise) {
    const bool glibc = allocator_name() == "glibc";
    if (glibc) {
      ::mallopt(M_TOP_PAD, 32 << 20);
      actions_ = "mallopt(M_TOP_PAD, 32 MiB); ";
      track_brk_ = true;
    }
    actions_ +=
        "madvise(MADV_HUGEPAGE) on [heap] and private anonymous writable mappings >= 2 MiB at open, "
        "after each hash-table resize, before each fork";
    actions_ += glibc ? " and whenever the heap end moves" : "";
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (glibc && tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb=1") != nullptr) {
      actions_ += "; GLIBC_TUNABLES glibc.malloc.hugetlb=1 (malloc advises its own memory too)";
    }
    advise();
  } else {
    actions_ = "none: the system THP mode applies";
  }
  return Status::Ok();
}

ThpPolicy::~ThpPolicy() {
  if (disabled_by_prctl_) ::prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
}

void ThpPolicy::advise() {
  if (mode_ != ThpMode::kMadvise) return;
  ++advise_calls_;
  std::FILE* f = std::fopen("/proc/self/maps", "re");
  if (f == nullptr) {
    ++advise_errors_;
    return;
  }
  uint64_t advised = 0;
  char line[512];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    char perms[8] = {0};
    char dev[16] = {0};
    int name_at = 0;
    if (std::sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode, &name_at) < 6)
      continue;
    std::string name = line + name_at;
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    const bool anon = inode == 0 && (name.empty() || name == "[heap]");
    if (!anon || perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p' || end - start < kHugePage) continue;
    if (::madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE) == 0)
      advised += end - start;
    else
      ++advise_errors_;
  }
  std::fclose(f);
  advised_bytes_last_ = advised;
  if (track_brk_) last_brk_ = ::sbrk(0);
}

nlohmann::json ThpPolicy::report() const {
  nlohmann::json j{
      {"mode", config::name_of(kThpModeNames, mode_)}, {"system_mode", system_mode_}, {"actions", actions_}};
  if (mode_ == ThpMode::kMadvise) {
    j["advise_calls"] = advise_calls_;
    j["advised_bytes_last"] = advised_bytes_last_;
    j["advise_errors"] = advise_errors_;
  }
  return j;
}

}  // namespace rpbench::kvstore
