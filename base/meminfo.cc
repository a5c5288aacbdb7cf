#include "base/meminfo.h"

#include <cstdio>
#include <cstring>

namespace rpbench {

namespace {

// The kB value of `field` in /proc/meminfo, in bytes.
std::optional<int64_t> meminfo_field(const char* field) {
  std::FILE* f = std::fopen("/proc/meminfo", "re");
  if (f == nullptr) return std::nullopt;
  char line[256];
  std::optional<int64_t> out;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, n) != 0 || line[n] != ':') continue;
    long long kb = 0;
    if (std::sscanf(line + n + 1, "%lld", &kb) == 1 && kb >= 0) out = static_cast<int64_t>(kb) * 1024;
    break;
  }
  std::fclose(f);
  return out;
}

}  // namespace

std::optional<int64_t> mem_available_bytes() { return meminfo_field("MemAvailable"); }
std::optional<int64_t> mem_total_bytes() { return meminfo_field("MemTotal"); }

}  // namespace rpbench
