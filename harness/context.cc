#include "harness/context.h"

#include <chrono>
#include <ctime>
#include <string>

#include "base/host_facts.h"
#include "build_info.h"
#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench {
namespace {

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
  const HostFacts h = host_facts();
  return {
      {"git_commit", build::kGitCommit},
      {"build_type", build::kBuildType},
      {"compiler", build::kCompiler},
      {"rpbench_version", build::kVersion},
      {"host", h.host},
      {"kernel", h.kernel},
      {"cpu_model", h.cpu_model},
      {"cores", h.cores},
      {"memory_bytes", h.memory_bytes},
      {"thp_mode", measure::thp_mode()},
      {"thp_defrag", measure::thp_defrag()},
      {"timer", measure::to_json(measure::measure_clock())},
      {"started_at", utc_now_iso8601()},
      {"steal_ms", 0.0},
      {"memory_warmup", false},
  };
}

}  // namespace rpbench
