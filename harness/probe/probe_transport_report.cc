#include "harness/probe/probe_transport_report.h"

#include <string>

#include "base/sizes.h"

namespace rpbench::probe {

namespace {

std::string op_text(transport::Op op) { return std::string(transport::op_name(op)); }

// "0.973", or "-" when unknown.
std::string ratio_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", *v);
  return buf;
}

// "shm write (1 channel, queue depth 8): median ratio over sizes >= 1M 0.970, at 64M 0.990;
// target 0.80: met"
std::string summary_line(const std::string& type, const OpSummary& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, " (%d channel%s, queue depth %d): ", s.judged_channels,
                s.judged_channels == 1 ? "" : "s", s.judged_queue_depth);
  std::string line = type + " " + op_text(s.op) + buf;
  if (s.median_ratio_min_1mib) {
    std::snprintf(buf, sizeof buf, "median ratio over sizes >= 1M %.3f, ", *s.median_ratio_min_1mib);
    line += buf;
  }
  if (s.ratio_at_largest_size) {
    std::snprintf(buf, sizeof buf, "at %s %.3f", format_size(s.largest_size_bytes).c_str(), *s.ratio_at_largest_size);
    line += buf;
  } else {
    line += "no baseline";
  }
  const std::optional<double> judged = s.median_ratio_min_1mib ? s.median_ratio_min_1mib : s.ratio_at_largest_size;
  if (s.target_ratio && judged) {
    std::snprintf(buf, sizeof buf, "; target %.2f: %s", *s.target_ratio, *s.target_met ? "met" : "NOT met");
    line += buf;
  }
  if (s.target_note) line += "; " + *s.target_note;
  return line;
}

}  // namespace

void ConsoleTransportReporter::connected(const TransportProbeResult& result) {
  say("%s\n\n", result.transport.description.c_str());
}

void ConsoleTransportReporter::sweep_started(const TransportProbeResult& result) {
  if (result.baseline)
    say("baseline: %s\n",
        *result.baseline == BaselineKind::kMemcpy
            ? "single-thread memcpy, size-byte copies from rotating local slots to rotating offsets of a warm "
              "region-sized buffer"
            : "raw TCP loopback stream (size-byte messages from rotating local slots, sent in chunk_bytes pieces, no "
              "framing, no acks) to a forked reader receiving into rotating offsets of a warm region-sized buffer");
  say("bandwidth (GB/s = 10^9 bytes/s)\n%-5s %-8s %3s %4s %10s %14s %10s %8s\n", "op", "size", "ch", "qd", "GB/s",
      "transfers/s", "base_GB/s", "ratio");
}

void ConsoleTransportReporter::baseline_measured(const TransportProbeResult& result, const BaselineRow& row) {
  say("%-5s %-8s %3s %4s %10.3f %14.0f\n", result.baseline == BaselineKind::kMemcpy ? "cpy" : "sock",
      format_size(row.point.size_bytes).c_str(), "-", "-", row.point.gb_per_s(), row.point.transfers_per_s());
  if (row.plain)
    say("%-5s %-8s %3s %4s %10.3f %14.0f   (plain memcpy: one pre-faulted source to one destination)\n", "plain",
        format_size(row.plain->size_bytes).c_str(), "-", "-", row.plain->gb_per_s(), row.plain->transfers_per_s());
}

void ConsoleTransportReporter::bandwidth_measured(const TransportProbeResult&, const BandwidthRow& row) {
  const BandwidthPoint& p = row.point;
  say("%-5s %-8s %3d %4d %10.3f %14.0f %10s %8s\n", op_text(p.op).c_str(), format_size(p.size_bytes).c_str(),
      p.channels, p.queue_depth, p.gb_per_s(), p.transfers_per_s(), ratio_text(row.baseline_gb_per_s).c_str(),
      ratio_text(row.ratio_to_baseline).c_str());
}

void ConsoleTransportReporter::latency_started(const TransportProbeResult&) {
  say("\nlatency (queue depth 1, one channel)\n%-5s %-8s %8s %10s %10s %10s %10s %12s\n", "op", "size", "count",
      "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns");
}

void ConsoleTransportReporter::latency_measured(const TransportProbeResult&, const LatencyRow& row) {
  const measure::Histogram& h = row.histogram;
  say("%-5s %-8s %8llu %10llu %10llu %10llu %10llu %12llu\n", op_text(row.op).c_str(),
      format_size(row.size_bytes).c_str(), static_cast<unsigned long long>(h.count()),
      static_cast<unsigned long long>(h.percentile(50)), static_cast<unsigned long long>(h.percentile(90)),
      static_cast<unsigned long long>(h.percentile(99)), static_cast<unsigned long long>(h.percentile(99.9)),
      static_cast<unsigned long long>(h.max()));
}

void ConsoleTransportReporter::finished(const TransportProbeResult& result) {
  say("\n");
  for (const OpSummary& s : result.summary) say("%s\n", summary_line(result.transport.type, s).c_str());
}

}  // namespace rpbench::probe
