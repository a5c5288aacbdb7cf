#include "harness/probe/probe_fork.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "base/errno_text.h"
#include "measure/clock.h"
#include "measure/mapping.h"
#include "measure/os_probes.h"

namespace rpbench::measure {

namespace {

int64_t thp_fault_alloc_now() {
  const auto m = read_vmstat_thp();
  const auto it = m.find("thp_fault_alloc");
  return it == m.end() ? 0 : it->second;
}

// One fork: microseconds the parent spent in fork(). The child exits at once; the parent reaps it
// before returning (so the next fork starts from the same state).
double timed_fork_us() {
  const uint64_t t0 = now_ns();
  const pid_t pid = ::fork();
  const uint64_t t1 = now_ns();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + errno_text());
  if (pid == 0) ::_exit(0);
  int status = 0;
  pid_t w;
  do w = ::waitpid(pid, &status, 0);
  while (w < 0 && errno == EINTR);
  return static_cast<double>(t1 - t0) / 1e3;
}

}  // namespace

const char* to_string(PageKind k) { return k == PageKind::kThp ? "thp" : "4k"; }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

ForkCaseResult run_fork_case(const ForkCase& c) {
  if (c.size_bytes == 0) throw std::invalid_argument("fork probe: size must be > 0");
  if (c.repeats < 1) throw std::invalid_argument("fork probe: repeats " + std::to_string(c.repeats) + " must be >= 1");
  ForkCaseResult r;
  r.c = c;
  if (c.warmup) {
    if (Status s = memory_warmup(c.size_bytes); !s.ok()) throw std::runtime_error("fork probe: " + s.message());
  }
  const bool thp = c.pages == PageKind::kThp;
  StatusOr<AnonMapping> mapped = AnonMapping::map(c.size_bytes, thp ? kHugePageSize : 0);
  if (!mapped.ok()) throw std::runtime_error("fork probe: " + mapped.status().message());
  AnonMapping& region = *mapped;
  if (Status s = region.advise(thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE); !s.ok())
    throw std::runtime_error("fork probe: " + s.message());
  const int64_t alloc0 = thp_fault_alloc_now();
  region.touch(page_size());
  r.thp_fault_alloc = thp_fault_alloc_now() - alloc0;
  r.anon_huge_bytes = anon_huge_bytes(region.data(), region.size());
  r.thp_used = r.anon_huge_bytes > 0;
  for (int i = 0; i < c.repeats; ++i) r.fork_us.push_back(timed_fork_us());
  r.fork_us_median = median(r.fork_us);
  r.us_per_gb = r.fork_us_median / (static_cast<double>(c.size_bytes) / static_cast<double>(uint64_t{1} << 30));
  return r;
}

nlohmann::json to_json(const ForkCaseResult& r) {
  return {{"size_bytes", r.c.size_bytes},
          {"pages", to_string(r.c.pages)},
          {"thp_used", r.thp_used},
          {"anon_huge_bytes", r.anon_huge_bytes},
          {"thp_fault_alloc", r.thp_fault_alloc},
          {"warmup", r.c.warmup},
          {"repeats", r.c.repeats},
          {"fork_us", r.fork_us},
          {"fork_us_median", r.fork_us_median},
          {"us_per_gb", r.us_per_gb}};
}

}  // namespace rpbench::measure
