#include "harness/progress.h"

#include <unistd.h>

#include <cstdio>

namespace rpbench {

std::string format_ns(uint64_t ns) {
  char buf[32];
  if (ns < 1000) {
    std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(ns));
  } else if (ns < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  }
  return buf;
}

StderrProgress::StderrProgress(ProgressMode mode) {
  off_ = mode == ProgressMode::kOff;
  tty_ = mode == ProgressMode::kTty || (mode == ProgressMode::kAuto && isatty(STDERR_FILENO));
}

void StderrProgress::update(const std::string& phase, double elapsed_s, double planned_s, uint64_t ops,
                            double ops_per_s, uint64_t p99_ns) {
  if (off_) return;
  if (phase != last_phase_) {
    last_phase_ = phase;
    last_print_s_ = -1;
  }
  char line[200];
  char planned[32] = "";
  if (planned_s > 0) std::snprintf(planned, sizeof planned, " / %.1f", planned_s);
  std::snprintf(line, sizeof line, "[%s] %.1f%s s  %llu ops  %.0f ops/s  p99 %s", phase.c_str(), elapsed_s, planned,
                static_cast<unsigned long long>(ops), ops_per_s, p99_ns ? format_ns(p99_ns).c_str() : "-");
  last_line_ = line;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line);
    std::fflush(stderr);
  } else if (last_print_s_ < 0 ? elapsed_s >= plain_every_s_ : elapsed_s - last_print_s_ >= plain_every_s_) {
    std::fprintf(stderr, "%s\n", line);
    last_print_s_ = elapsed_s;
  }
}

void StderrProgress::phase_done(const std::string& phase) {
  if (off_) return;
  if (tty_ && phase == last_phase_ && !last_line_.empty()) std::fprintf(stderr, "\n");
  last_line_.clear();
  last_phase_.clear();
}

}  // namespace rpbench
