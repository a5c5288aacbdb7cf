#include "harness/console_report.h"

#include <optional>
#include <string>

#include "harness/contest_score.h"
#include "harness/progress.h"

namespace rpbench {

namespace {

template <class T>
std::string or_unknown(const std::optional<T>& v, const char* unit) {
  return v ? std::to_string(static_cast<long long>(*v)) + unit : std::string("unknown");
}

}  // namespace

void print_console_report(const Result& r, std::FILE* out) {
  for (const auto& p : r.phases) {
    std::fprintf(out, "%-12s %-8s %10.3f s", p.name.c_str(), p.type.c_str(), p.duration_s);
    if (p.measures_ops) {
      std::fprintf(out, " %12llu ops %12.0f ops/s  p50 %s  p99 %s  max %s", static_cast<unsigned long long>(p.ops),
                   p.duration_s > 0 ? static_cast<double>(p.ops) / p.duration_s : 0.0,
                   format_ns(p.all.percentile(50)).c_str(), format_ns(p.all.percentile(99)).c_str(),
                   format_ns(p.all.max()).c_str());
      if (p.during_snapshot.count() > 0)
        std::fprintf(out, "  | p99 normal %s, during snapshot %s", format_ns(p.normal.percentile(99)).c_str(),
                     format_ns(p.during_snapshot.percentile(99)).c_str());
      if (p.pacing.open_loop && !p.pacing.kept_up)
        std::fprintf(out, "  (open loop did not keep up: %.0f of %.0f ops/s)", p.pacing.achieved_ops_per_s,
                     p.pacing.target_ops_per_s);
    }
    for (const auto& s : p.snapshots) {
      const auto& rep = s.report;
      std::fprintf(out, "\n  snapshot %d: %s, fork %s, %.1f ms, %s, cow %s", s.index,
                   rep.ok() ? "ok" : rep.status.message().c_str(), or_unknown(rep.fork_us, " us").c_str(),
                   s.duration_ms, or_unknown(rep.bytes, " bytes").c_str(), or_unknown(rep.cow_bytes, " bytes").c_str());
      if (!rep.summary.empty()) std::fprintf(out, "\n    %s", rep.summary.c_str());
    }
    if (p.recovery && !p.recovery->report.summary.empty())
      std::fprintf(out, "  %s", p.recovery->report.summary.c_str());
    if (p.compaction)
      std::fprintf(out, "  compaction %s %.1f ms%s%s", p.compaction->report.ok() ? "ok" : "FAILED",
                   p.compaction->duration_ms, p.compaction->report.summary.empty() ? "" : ", ",
                   p.compaction->report.summary.c_str());
    if (p.verify) std::fprintf(out, "  verify %s", p.verify->ok ? "ok" : "FAILED");
    std::fprintf(out, "\n");
  }
  if (const auto score = contest_score(r)) {
    std::fprintf(out, "contest score %.3f s =", score->seconds);
    for (size_t i = 0; i < score->phases.size(); ++i)
      std::fprintf(out, "%s %s %.3f", i ? " +" : "", score->phases[i].first.c_str(), score->phases[i].second);
    std::fprintf(out, "\n");
  }
}

}  // namespace rpbench
