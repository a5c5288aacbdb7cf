#include "harness/probe/probe_cli.h"

#include "base/meminfo.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "harness/context.h"
#include "harness/probe/probe_faults.h"
#include "harness/probe/probe_flags.h"
#include "harness/probe/probe_fork.h"
#include "harness/probe/probe_pingpong.h"
#include "harness/probe/probe_transport_command.h"
#include "harness/result_io.h"
#include "measure/mapping.h"
#include "measure/os_probes.h"

namespace rpbench {

namespace po = boost::program_options;
using nlohmann::json;

namespace {

// "on" -> {true}, "off" -> {false}, "both" -> {false, true}.
std::vector<bool> warmup_settings(const std::string& mode) {
  if (mode == "on") return {true};
  if (mode == "off") return {false};
  if (mode == "both") return {false, true};
  throw config::ConfigError("--warmup must be on, off or both (got '" + mode + "')");
}

json make_context(const std::string& warmup_mode, double steal_before) {
  json ctx = collect_context();
  ctx["memory_warmup"] = warmup_mode;
  const double steal_after = measure::steal_ms();
  ctx["steal_ms"] = (steal_before < 0 || steal_after < 0) ? json(nullptr) : json(steal_after - steal_before);
  return ctx;
}

int run_fork(int argc, char** argv) {
  std::string sizes_text, warmup_mode, out;
  int repeats = 0;
  bool thp = false;
  po::options_description desc("rpbench probe fork flags");
  desc.add_options()("help,h", "show this help")(
      "sizes", po::value(&sizes_text)->default_value("64M,256M,1G"),
      "comma-separated region sizes (K/M/G/T suffixes); each at most half of MemAvailable")(
      "thp", po::bool_switch(&thp), "also run every size with MADV_HUGEPAGE (transparent huge pages)")(
      "repeats", po::value(&repeats)->default_value(5), "forks timed per case (>= 1)")(
      "warmup", po::value(&warmup_mode)->default_value("both"), "memory_warmup before each case: on, off or both")(
      "out", po::value(&out)->default_value("results/probe/fork.json"), "result file (written atomically)");
  po::variables_map vm;
  if (!parse_flags(argc, argv, desc, vm,
                   "Usage: rpbench probe fork [flags]\nTimes fork() against the parent's resident memory "
                   "(4 KiB pages, and THP with --thp).")) {
    return 0;
  }
  std::vector<uint64_t> sizes;
  for (const auto& s : split_list(sizes_text)) sizes.push_back(parse_size_flag(s));
  if (repeats < 1) throw config::ConfigError("--repeats must be >= 1 (got " + std::to_string(repeats) + ")");
  if (out.empty()) throw config::ConfigError("--out must name a file");
  const std::vector<bool> warmups = warmup_settings(warmup_mode);
  const int64_t avail = mem_available_bytes().value_or(-1);
  for (uint64_t s : sizes) {
    if (avail > 0 && s > static_cast<uint64_t>(avail) / 2) {
      throw config::ConfigError("size " + format_size(s) + " is more than half of MemAvailable (" +
                                format_size(static_cast<uint64_t>(avail)) +
                                "): fork can double memory; pick a smaller --sizes");
    }
  }

  const double steal0 = measure::steal_ms();
  std::vector<measure::PageKind> kinds{measure::PageKind::k4k};
  if (thp) kinds.push_back(measure::PageKind::kThp);
  json cases = json::array();
  std::printf("%-8s %-5s %-8s %-7s %12s %12s\n", "size", "pages", "thp_used", "warmup", "fork_us_med", "us_per_GiB");
  for (uint64_t s : sizes) {
    for (auto kind : kinds) {
      for (bool w : warmups) {
        const auto r = measure::run_fork_case({s, kind, w, repeats});
        std::printf("%-8s %-5s %-8s %-7s %12.1f %12.1f\n", format_size(s).c_str(), measure::to_string(kind),
                    r.thp_used ? "yes" : "no", w ? "on" : "off", r.fork_us_median, r.us_per_gb);
        std::fflush(stdout);
        cases.push_back(measure::to_json(r));
      }
    }
  }
  json doc;
  doc["schema_version"] = kResultSchemaVersion;
  doc["kind"] = "probe-fork";
  doc["context"] = make_context(warmup_mode, steal0);
  doc["config"] = {{"sizes_bytes", sizes}, {"thp", thp}, {"repeats", repeats}, {"warmup", warmup_mode}, {"out", out}};
  doc["probe"] = {{"fork", std::move(cases)}};
  write_json_atomic(out, doc);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

void print_fault_row(const measure::FaultCaseResult& r) {
  const auto& h = r.latency;
  std::printf("%-20s %-6s %-4s %8llu %10llu %10llu %10llu %12.1f\n", measure::to_string(r.kind),
              r.warmup ? "on" : "off", r.thp_used ? "yes" : "no", static_cast<unsigned long long>(h.count()),
              static_cast<unsigned long long>(h.percentile(50)), static_cast<unsigned long long>(h.percentile(99)),
              static_cast<unsigned long long>(h.max()), h.mean());
  std::fflush(stdout);
}

int run_faults(int argc, char** argv) {
  std::string warmup_mode, out, cow_k_text;
  long long pages_flag = 0, thp_pages_flag = 0;
  po::options_description desc("rpbench probe faults flags");
  desc.add_options()("help,h", "show this help")("pages", po::value(&pages_flag)->default_value(65536),
                                                 "4 KiB pages per 4k case (> 0)")(
      "thp-pages", po::value(&thp_pages_flag)->default_value(64), "2 MiB pages per THP case (> 0)")(
      "cow-k", po::value(&cow_k_text),
      "comma-separated page counts K (each <= --pages) for the cow relation; default "
      "0,pages/64,pages/16,pages/4,pages")("warmup", po::value(&warmup_mode)->default_value("both"),
                                           "memory_warmup before each case: on, off or both")(
      "out", po::value(&out)->default_value("results/probe/faults.json"), "result file (written atomically)");
  po::variables_map vm;
  if (!parse_flags(argc, argv, desc, vm,
                   "Usage: rpbench probe faults [flags]\nTimes single page faults: first touch, pre-faulted, "
                   "copy-on-write, with 4 KiB pages and THP.")) {
    return 0;
  }
  if (pages_flag <= 0) throw config::ConfigError("--pages must be > 0 (got " + std::to_string(pages_flag) + ")");
  if (thp_pages_flag <= 0)
    throw config::ConfigError("--thp-pages must be > 0 (got " + std::to_string(thp_pages_flag) + ")");
  if (out.empty()) throw config::ConfigError("--out must name a file");
  const auto pages = static_cast<size_t>(pages_flag);
  const auto thp_pages = static_cast<size_t>(thp_pages_flag);
  const int64_t avail = mem_available_bytes().value_or(-1);
  // A copy-on-write case can double its region: keep each region under half of MemAvailable.
  if (avail > 0 && (pages > static_cast<uint64_t>(avail) / 2 / 4096 ||
                    thp_pages > static_cast<uint64_t>(avail) / 2 / measure::kHugePageSize)) {
    throw config::ConfigError("--pages / --thp-pages ask for more than half of MemAvailable (" +
                              format_size(static_cast<uint64_t>(avail)) + "); copy-on-write can double it");
  }
  const std::vector<bool> warmups = warmup_settings(warmup_mode);
  std::vector<size_t> cow_k;
  if (vm.count("cow-k")) {
    for (const auto& s : split_list(cow_k_text)) {
      size_t pos = 0;
      unsigned long long k = 0;
      try {
        k = std::stoull(s, &pos);
      } catch (const std::exception&) {
        pos = 0;
      }
      if (pos != s.size() || s[0] == '-') throw config::ConfigError("bad --cow-k value '" + s + "'");
      if (k > pages) throw config::ConfigError("--cow-k value " + s + " exceeds --pages " + std::to_string(pages));
      cow_k.push_back(static_cast<size_t>(k));
    }
  } else {
    cow_k = {0, pages / 64, pages / 16, pages / 4, pages};
    std::sort(cow_k.begin(), cow_k.end());
    cow_k.erase(std::unique(cow_k.begin(), cow_k.end()), cow_k.end());
  }

  const double steal0 = measure::steal_ms();
  json faults = json::array();
  json relation = json::array();
  std::printf("%-20s %-6s %-4s %8s %10s %10s %10s %12s\n", "case", "warmup", "thp", "count", "p50_ns", "p99_ns",
              "max_ns", "mean_ns");
  auto add = [&](const measure::FaultCaseResult& r) {
    print_fault_row(r);
    faults.push_back(measure::to_json(r));
  };
  for (bool w : warmups) {
    add(measure::time_first_touch_4k(pages, w));
    add(measure::time_prefaulted_write_4k(pages, w));
    add(measure::time_cow_4k(pages, w));
    add(measure::time_first_touch_thp(thp_pages, w));
    for (const auto& r : measure::time_cow_thp(thp_pages, w)) add(r);
  }
  std::printf("\n%-13s %-6s %14s %20s %18s\n", "pages_written", "warmup", "parent_minflt", "private_dirty_bytes",
              "dirty_pages/K");
  for (bool w : warmups) {
    for (size_t k : cow_k) {
      const auto p = measure::measure_cow_relation(pages, k, w);
      std::printf("%-13llu %-6s %14lld %20lld %18.3f\n", static_cast<unsigned long long>(k), w ? "on" : "off",
                  static_cast<long long>(p.parent_minflt), static_cast<long long>(p.private_dirty_bytes),
                  k == 0 ? 0.0 : static_cast<double>(p.private_dirty_bytes) / 4096.0 / static_cast<double>(k));
      relation.push_back(measure::to_json(p));
    }
  }
  json doc;
  doc["schema_version"] = kResultSchemaVersion;
  doc["kind"] = "probe-faults";
  doc["context"] = make_context(warmup_mode, steal0);
  doc["config"] = {{"pages", pages}, {"thp_pages", thp_pages}, {"cow_k", cow_k}, {"warmup", warmup_mode}, {"out", out}};
  doc["probe"] = {{"faults", std::move(faults)}, {"cow_relation", std::move(relation)}};
  write_json_atomic(out, doc);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

constexpr const char* kProbeUsage =
    "Usage: rpbench probe <name> [flags]   (rpbench probe <name> --help for its flags)\n"
    "  fork       time fork() against resident memory, 4 KiB pages and THP\n"
    "  faults     time single page faults: first touch, pre-faulted, copy-on-write, 4 KiB and THP\n"
    "  transport  bandwidth and latency of a transport (shm, tcp, verbs) against its local baseline\n"
    "  pingpong   the rdma-pingpong snapshot stream against serialization into memory and the transport's writes\n";

}  // namespace

int probe_main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "rpbench probe: missing probe name (fork, faults, transport or pingpong); see rpbench probe --help\n";
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    std::cout << kProbeUsage;
    return 0;
  }
  if (name != "fork" && name != "faults" && name != "transport" && name != "pingpong") {
    std::cerr << "rpbench probe: unknown probe '" << name << "' (expected fork, faults, transport or pingpong)\n";
    return 2;
  }
  try {
    if (name == "transport" || name == "pingpong") {
      const Status s = name == "transport" ? probe::run_transport_probe_command(argc, argv)
                                           : probe::run_pingpong_probe_command(argc, argv);
      if (s.ok()) return 0;
      std::cerr << "rpbench probe " << name << ": " << s.message() << "\n";
      return 1;
    }
    return name == "fork" ? run_fork(argc, argv) : run_faults(argc, argv);
  } catch (const po::error& e) {
    std::cerr << "rpbench probe " << name << ": " << e.what() << " (see --help)\n";
    return 2;
  } catch (const config::ConfigError& e) {
    std::cerr << "rpbench probe " << name << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rpbench probe " << name << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rpbench
