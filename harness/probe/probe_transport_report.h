// Reporting a `rpbench probe transport` run apart from measuring it (Google Benchmark's runner and
// reporters are the model): the runner tells a reporter what it ran on and each row as it is
// measured, and the whole result at the end; a reporter only formats. The console reporter prints
// the tables the command shows; the base class reports nothing (a silent run).
#pragma once
#include <cstdarg>
#include <cstdio>

#include "harness/probe/probe_transport_result.h"

namespace rpbench::probe {

class TransportProbeReporter {
 public:
  virtual ~TransportProbeReporter() = default;
  // Connected: result.transport says to what.
  virtual void connected(const TransportProbeResult& /*result*/) {}
  // The bandwidth sweep starts (result.baseline: the baseline each size begins with, if any).
  virtual void sweep_started(const TransportProbeResult& /*result*/) {}
  virtual void baseline_measured(const TransportProbeResult& /*result*/, const BaselineRow& /*row*/) {}
  virtual void bandwidth_measured(const TransportProbeResult& /*result*/, const BandwidthRow& /*row*/) {}
  virtual void latency_started(const TransportProbeResult& /*result*/) {}
  virtual void latency_measured(const TransportProbeResult& /*result*/, const LatencyRow& /*row*/) {}
  // Everything measured and summarised.
  virtual void finished(const TransportProbeResult& /*result*/) {}
};

// The tables on a terminal (or any FILE*), flushed row by row: the connection, the bandwidth
// table (each size's baseline row first), the latency table, one summary line per op.
class ConsoleTransportReporter final : public TransportProbeReporter {
 public:
  explicit ConsoleTransportReporter(std::FILE* out) : out_(out) {}
  void connected(const TransportProbeResult& result) override;
  void sweep_started(const TransportProbeResult& result) override;
  void baseline_measured(const TransportProbeResult& result, const BaselineRow& row) override;
  void bandwidth_measured(const TransportProbeResult& result, const BandwidthRow& row) override;
  void latency_started(const TransportProbeResult& result) override;
  void latency_measured(const TransportProbeResult& result, const LatencyRow& row) override;
  void finished(const TransportProbeResult& result) override;

 private:
  // printf-style, with the format checked against the arguments at every call (-Wformat).
  __attribute__((format(printf, 2, 3))) void say(const char* fmt, ...) {
    std::va_list args;
    va_start(args, fmt);
    std::vfprintf(out_, fmt, args);
    va_end(args);
    std::fflush(out_);
  }
  std::FILE* out_;
};

}  // namespace rpbench::probe
