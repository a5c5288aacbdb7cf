#include "base/host_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

namespace rpbench {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

}  // namespace

HostFacts host_facts() {
  HostFacts f;
  utsname u{};
  if (::uname(&u) == 0) {
    f.host = u.nodename;
    f.kernel = std::string(u.sysname) + " " + u.release;
  }
  f.cpu_model = cpu_model();
  f.cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  f.memory_bytes = static_cast<int64_t>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGE_SIZE);
  return f;
}

}  // namespace rpbench
