#include "engines/rdb_fork/thp_policy.h"

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

#include "engines/kvstore/allocator_stats.h"
#include "base/errno_text.h"

namespace rpbench::rdb_fork {

namespace {
constexpr uint64_t kHugePage = 2u << 20;
}

std::string system_thp_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(f, line)) return "unknown";
  const auto a = line.find('[');
  const auto b = line.find(']');
  if (a == std::string::npos || b == std::string::npos || b < a) return "unknown";
  return line.substr(a + 1, b - a - 1);
}

ThpPolicy::ThpPolicy(const std::string& mode) : mode_(mode), system_mode_(system_thp_mode()) {
  if (mode_ == "never") {
    if (::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
      throw std::runtime_error(std::string("engine.thp=never: prctl(PR_SET_THP_DISABLE) failed: ") + errno_text());
    }
    disabled_by_prctl_ = true;
    actions_ = "prctl(PR_SET_THP_DISABLE, 1) for the process and its fork children";
  } else if (mode_ == "madvise") {
    const bool glibc = kvstore::allocator_name() == "glibc";
    if (glibc) {
      ::mallopt(M_TOP_PAD, 32 << 20);
      actions_ = "mallopt(M_TOP_PAD, 32 MiB); ";
      track_brk_ = true;
    }
    actions_ += "madvise(MADV_HUGEPAGE) on [heap] and private anonymous writable mappings >= 2 MiB at open, "
                "after each hash-table resize, before each fork";
    actions_ += glibc ? " and whenever the heap end moves" : "";
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (glibc && tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb=1") != nullptr) {
      actions_ += "; GLIBC_TUNABLES glibc.malloc.hugetlb=1 (malloc advises its own memory too)";
    }
    advise();
  } else if (mode_ == "default") {
    actions_ = "none: the system THP mode applies";
  } else {
    throw std::invalid_argument("engine.thp: '" + mode_ + "' is not one of never, madvise, default");
  }
}

ThpPolicy::~ThpPolicy() {
  if (disabled_by_prctl_) ::prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
}

void ThpPolicy::advise() {
  if (mode_ != "madvise") return;
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
    if (std::sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode, &name_at) < 6) continue;
    std::string name = line + name_at;
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    const bool anon = inode == 0 && (name.empty() || name == "[heap]");
    if (!anon || perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p' || end - start < kHugePage) continue;
    if (::madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE) == 0) advised += end - start;
    else ++advise_errors_;
  }
  std::fclose(f);
  advised_bytes_last_ = advised;
  if (track_brk_) last_brk_ = ::sbrk(0);
}

nlohmann::json ThpPolicy::report() const {
  nlohmann::json j{{"mode", mode_}, {"system_mode", system_mode_}, {"actions", actions_}};
  if (mode_ == "madvise") {
    j["advise_calls"] = advise_calls_;
    j["advised_bytes_last"] = advised_bytes_last_;
    j["advise_errors"] = advise_errors_;
  }
  return j;
}

}  // namespace rpbench::rdb_fork
