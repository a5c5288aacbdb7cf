// `rpbench probe transport`: ib_write_bw / ib_write_lat for the harness's transports. For one
// transport (shm, tcp or verbs) it sweeps transfer sizes, channels and queue depths, measures the
// bandwidth (GB/s = 10^9 bytes/s, and transfers/s) of writes and reads and their latency
// percentiles (queue depth 1, one channel), and, in the same run, the transport's local baseline
// (shm: single-thread memcpy; tcp: a raw TCP loopback stream between two processes; verbs: none).
// Every bandwidth point records ratio_to_baseline; a summary says whether the target ratio
// (shm write 0.80, tcp write 0.70) was met. The result (kind "probe-transport") is written
// atomically, by default to results/probe/transport-<type>.json.
#pragma once
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transport/options.h"
#include "transport/transport.h"

namespace rpbench::probe {

struct TransportProbeConfig {
  transport::TransportOptions transport;  // type, memnode, region_bytes, prefault, link; channels set per point
  std::vector<uint64_t> sizes{4 << 10, 64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20};
  std::vector<int> channels{1, 2};
  std::vector<int> queue_depths{1, 8};
  std::vector<transport::Op> ops{transport::Op::kWrite, transport::Op::kRead};
  double seconds_per_point = 0.25;
  uint64_t min_transfers = 4;       // per bandwidth point, whatever the time
  uint64_t lat_samples = 1000;      // per latency point (fewer when seconds_per_point runs out)
  uint64_t min_lat_samples = 5;
  bool baseline = true;
  uint64_t local_buffer_cap = 256ull << 20;  // the registered local buffer is at most this (or one size)
};

// The ratio a transport's write bandwidth should reach against its baseline on this machine
// (shm 0.80 of memcpy, tcp 0.70 of the socket stream); nullopt for verbs (no local baseline).
std::optional<double> target_ratio(const std::string& type);

// Runs the probe; prints its tables on `out` (nullptr: silent) and returns the "probe" section of
// the result. Throws std::invalid_argument for a config it cannot run, std::runtime_error when the
// memory node, the connection, a transfer or a baseline fails.
nlohmann::json run_transport_probe(const TransportProbeConfig& config, std::FILE* out);

// The command: argv[0] "probe", argv[1] "transport", then flags (see --help). Returns 0, or throws
// config::ConfigError (base/config_error.h) / boost::program_options::error for a bad flag and
// std::exception when the run fails; probe_main() turns those into exit codes 2 and 1.
int run_transport_probe(int argc, char** argv);

}  // namespace rpbench::probe
