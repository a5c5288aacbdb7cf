#include "harness/context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <string>

#include "build_info.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

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

std::string utc_now_iso8601() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

nlohmann::json collect_context() {
  utsname u{};
  uname(&u);
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  return {
      {"git_commit", build::kGitCommit},
      {"build_type", build::kBuildType},
      {"compiler", build::kCompiler},
      {"rpbench_version", build::kVersion},
      {"host", u.nodename},
      {"kernel", std::string(u.sysname) + " " + u.release},
      {"cpu_model", cpu_model()},
      {"cores", sysconf(_SC_NPROCESSORS_ONLN)},
      {"memory_bytes", static_cast<int64_t>(pages) * page_size},
      {"thp_mode", measure::thp_mode()},
      {"thp_defrag", measure::thp_defrag()},
      {"timer", measure::to_json(measure::measure_clock())},
      {"started_at", utc_now_iso8601()},
      {"steal_ms", 0.0},
      {"memory_warmup", false},
  };
}

}  // namespace rpbench
