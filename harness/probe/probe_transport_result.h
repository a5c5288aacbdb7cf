// What `rpbench probe transport` measured, as plain values: the runner (probe_transport.h) fills
// it, the console reporter prints it (probe_transport_report.h) and transport_probe_json()
// (probe_transport_json.h) turns it into the result document's "probe" section. Nothing here
// formats or prints.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/probe/probe_transport_baseline.h"
#include "harness/probe/probe_transport_points.h"
#include "measure/histogram.h"
#include "transport/options.h"
#include "transport/transport.h"

namespace rpbench::probe {

// The local baseline a transport is compared against.
enum class BaselineKind { kMemcpy, kSocketStream };

// What the probe ran on.
struct ProbedTransport {
  std::string type;
  std::string description;  // the connection's describe() (and the node's)
  std::string memnode;      // "auto" or the address the probe was given
  std::string endpoint;     // the node's listener the probe connected to
  uint64_t region_bytes = 0;
  std::string region_allocation;                   // transport::region_allocation()
  std::optional<transport::LinkModel> link_model;  // shm's, when one shapes the transport
  uint64_t chunk_bytes = 0;
  int transport_queue_depth = 0;  // the transport's queue, raised to hold the deepest point
  uint64_t local_buffer_bytes = 0;
  nlohmann::json memory_node;  // transport::RemoteMemory::node_json(): where the node ran
};

// One size's baseline, measured right before that size's points.
struct BaselineRow {
  BaselinePoint point;
  uint64_t source_slots = 0;  // the local rotation of the deepest queue swept
  // memcpy only, a sanity line beside the baseline: the plainest copy of this size, one
  // pre-faulted size-byte source to one pre-faulted size-byte destination, again and again
  // (caches help it at small sizes; at large ones it is the machine's copy rate).
  std::optional<BaselinePoint> plain;
};

struct BandwidthRow {
  BandwidthPoint point;
  std::optional<double> baseline_gb_per_s;  // of the same size; empty without a baseline
  std::optional<double> ratio_to_baseline;
};

// Queue depth 1, one channel.
struct LatencyRow {
  transport::Op op = transport::Op::kWrite;
  uint64_t size_bytes = 0;
  measure::Histogram histogram;
};

// The best configuration at one size (for information, never judged).
struct BestAtSize {
  uint64_t size_bytes = 0;
  int channels = 0;
  int queue_depth = 0;
  double gb_per_s = 0;
  std::optional<double> ratio_to_baseline;
};

// Per op: the best configuration per size, and the target judged on one configuration fixed in
// advance (probe_transport_summary.h says which and why).
struct OpSummary {
  transport::Op op = transport::Op::kWrite;
  std::vector<BestAtSize> best_per_size;
  int judged_channels = 0;
  int judged_queue_depth = 0;
  std::optional<double> median_ratio_min_1mib;
  uint64_t largest_size_bytes = 0;
  std::optional<double> ratio_at_largest_size;
  std::optional<double> target_ratio;  // only for a judged write
  std::optional<bool> target_met;
  std::optional<std::string> target_note;  // why the target is not judged in this run
};

struct TransportProbeResult {
  ProbedTransport transport;
  std::optional<BaselineKind> baseline;        // the baseline measured, if any
  std::optional<std::string> baseline_reason;  // why there is none
  std::vector<BaselineRow> baseline_points;
  std::vector<BandwidthRow> bandwidth;
  std::vector<LatencyRow> latency;
  std::vector<OpSummary> summary;
};

}  // namespace rpbench::probe
