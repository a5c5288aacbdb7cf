// The live status on stderr while a phase runs: one line rewritten in place on a terminal, a
// plain line every few seconds otherwise (logs, CI), nothing when off.
#pragma once
#include <cstdint>
#include <string>

#include "harness/driver.h"
#include "harness/progress_mode.h"

namespace rpbench {

class StderrProgress final : public ProgressSink {
 public:
  explicit StderrProgress(ProgressMode mode);
  void update(const std::string& phase, double elapsed_s, double planned_s, uint64_t ops, double ops_per_s,
              uint64_t p99_ns) override;
  void phase_done(const std::string& phase) override;

 private:
  bool tty_ = false;
  bool off_ = false;
  double plain_every_s_ = 5.0;
  double last_print_s_ = -1;
  std::string last_phase_;
  std::string last_line_;
};

std::string format_ns(uint64_t ns);  // "850 ns", "12.3 us", "4.56 ms", "1.20 s"

}  // namespace rpbench
