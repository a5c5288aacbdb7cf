// `rpbench probe transport`: ib_write_bw / ib_write_lat for the harness's transports. For one
// transport (shm, tcp or verbs) it sweeps transfer sizes, channels and queue depths, measures the
// bandwidth (GB/s = 10^9 bytes/s, and transfers/s) of writes and reads and their latency
// percentiles (queue depth 1, one channel), and, in the same run, the transport's local baseline
// (shm: single-thread memcpy; tcp: a raw TCP loopback stream between two processes; verbs: none).
// Every bandwidth point records ratio_to_baseline; a summary says whether the target ratio
// (shm write 0.80, tcp write 0.70) was met.
//
// Measuring apart from reporting (Google Benchmark's runner and reporters are the model):
// run_transport_probe() plans the run (probe_transport_plan.h), connects
// (probe_transport_connections.h), sweeps (probe_transport_sweep.h) and summarises
// (probe_transport_summary.h) into a TransportProbeResult (probe_transport_result.h), telling a
// reporter (probe_transport_report.h) about each row as it is measured. transport_probe_json()
// (probe_transport_json.h) turns the result into the result document's "probe" section; the
// command (probe_transport_command.h) parses the flags, prints through the console reporter and
// writes the document (kind "probe-transport", by default results/probe/transport-<type>.json).
#pragma once
#include <cstdint>
#include <vector>

#include "base/status_or.h"
#include "harness/probe/probe_transport_result.h"
#include "transport/options.h"
#include "transport/transport.h"

namespace rpbench::probe {

class TransportProbeReporter;

struct TransportProbeConfig {
  transport::TransportOptions transport;  // type, memnode, region_bytes, prefault, link; channels set per point
  std::vector<uint64_t> sizes{4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20};
  std::vector<int> channels{1, 2};
  std::vector<int> queue_depths{1, 8};
  std::vector<transport::Op> ops{transport::Op::kWrite, transport::Op::kRead};
  double seconds_per_point = 0.25;
  uint64_t min_transfers = 4;   // per bandwidth point, whatever the time
  uint64_t lat_samples = 1000;  // per latency point (fewer when seconds_per_point runs out)
  uint64_t min_lat_samples = 5;
  bool baseline = true;
  uint64_t local_buffer_cap = 256ull << 20;  // the registered local buffer is at most this (or one size)
};

// Runs the probe, telling `reporter` what it measures as it goes. kInvalidArgument for a config
// it cannot run (before anything starts); the memory node's, the connection's, a transfer's or a
// baseline's error when one fails (a probe never reports a transfer that did not happen).
StatusOr<TransportProbeResult> run_transport_probe(const TransportProbeConfig& config,
                                                   TransportProbeReporter& reporter);

}  // namespace rpbench::probe
