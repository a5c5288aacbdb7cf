#include "measure/os_probes.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "measure/mapping.h"

namespace rpbench::measure {

namespace {

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

std::string bracketed_choice(const std::string& path) {
  std::string text;
  if (!read_text(path, text)) return "unknown";
  const auto open = text.find('[');
  const auto close = text.find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return "unknown";
  return text.substr(open + 1, close - open - 1);
}

// Value (in kB) of "key:   N kB" in a /proc file with such lines; -1 if absent.
int64_t kb_field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  const std::string prefix = key + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, prefix.size(), prefix) == 0) {
      long long v = -1;
      if (std::sscanf(line.c_str() + prefix.size(), "%lld", &v) == 1) return v;
    }
  }
  return -1;
}

}  // namespace

Rusage self_rusage() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return {ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw};
}

std::map<std::string, int64_t> read_vmstat_thp() {
  std::map<std::string, int64_t> out;
  std::ifstream in("/proc/vmstat");
  std::string name;
  long long value = 0;
  while (in >> name >> value) {
    if (name.rfind("thp_", 0) == 0) out[name] = value;
  }
  return out;
}

std::string thp_mode() { return bracketed_choice("/sys/kernel/mm/transparent_hugepage/enabled"); }
std::string thp_defrag() { return bracketed_choice("/sys/kernel/mm/transparent_hugepage/defrag"); }

int64_t private_dirty_bytes(int pid) {
  const std::string path = pid == 0 ? "/proc/self/smaps_rollup" : "/proc/" + std::to_string(pid) + "/smaps_rollup";
  std::string text;
  if (!read_text(path, text)) return -1;
  const int64_t kb = kb_field(text, "Private_Dirty");
  return kb < 0 ? -1 : kb * 1024;
}

int64_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(in >> size >> resident)) return -1;
  return resident * static_cast<int64_t>(page_size());
}

RssParts rss_parts() {
  std::string text;
  if (!read_text("/proc/self/status", text)) return {};
  auto bytes = [&](const char* field) {
    const int64_t kb = kb_field(text, field);
    return kb < 0 ? int64_t{-1} : kb * 1024;
  };
  return {bytes("RssAnon"), bytes("RssFile"), bytes("RssShmem")};
}

double steal_ms() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long f[8] = {};
  if (!(in >> cpu) || cpu != "cpu") return -1;
  for (long long& x : f) {
    if (!(in >> x)) return -1;
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(f[7]) * 1000.0 / static_cast<double>(hz > 0 ? hz : 100);
}

int64_t anon_huge_bytes(const void* addr, size_t len) {
  std::ifstream in("/proc/self/smaps");
  if (!in) return -1;
  const auto lo = reinterpret_cast<uintptr_t>(addr);
  const uintptr_t hi = lo + len;
  bool overlapping = false;
  int64_t total = 0;
  std::string line;
  while (std::getline(in, line)) {
    uintptr_t start = 0, end = 0;
    // A mapping header starts "start-end perms ..."; a field line starts "Name:".
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2 && line.find(':') > line.find(' ')) {
      overlapping = start < hi && lo < end;
      continue;
    }
    if (overlapping && line.rfind("AnonHugePages:", 0) == 0) {
      long long kb = 0;
      if (std::sscanf(line.c_str() + 14, "%lld", &kb) == 1) total += kb * 1024;
    }
  }
  return total;
}

SnapshotProbe::SnapshotProbe()
    : start_(self_rusage()), thp_start_(read_vmstat_thp()), rss_before_(rss_bytes()), rss_peak_(rss_before_) {}

void SnapshotProbe::sample() { rss_peak_ = std::max(rss_peak_, rss_bytes()); }

nlohmann::json SnapshotProbe::finish() {
  const Rusage end = self_rusage();
  const int64_t rss_after = rss_bytes();
  rss_peak_ = std::max(rss_peak_, rss_after);
  nlohmann::json thp = nlohmann::json::object();
  for (const auto& [name, value] : read_vmstat_thp()) {
    const auto it = thp_start_.find(name);
    thp[name] = value - (it == thp_start_.end() ? 0 : it->second);
  }
  return {{"parent_minflt", end.minflt - start_.minflt},
          {"parent_majflt", end.majflt - start_.majflt},
          {"parent_nvcsw", end.nvcsw - start_.nvcsw},
          {"parent_nivcsw", end.nivcsw - start_.nivcsw},
          {"thp", std::move(thp)},
          {"thp_mode", thp_mode()},
          {"rss_before_bytes", rss_before_},
          {"rss_peak_bytes", rss_peak_},
          {"rss_after_bytes", rss_after}};
}

Status memory_warmup(size_t bytes) {
  if (bytes == 0) return Status::Ok();
  StatusOr<AnonMapping> m = AnonMapping::map(bytes);
  if (!m.ok()) return m.status().with_context("memory warm-up: ");
  m->touch(page_size());
  return Status::Ok();
}

}  // namespace rpbench::measure
