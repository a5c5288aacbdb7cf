// The plan of a `rpbench probe transport` run, made before anything is started or connected: the
// config checked against the transports' limits (transport/options.h), the local buffer's size,
// the baseline, and the first connection's options with the transport's own queue (chunks per
// channel) raised to hold the deepest queue of the largest size, so that every point keeps the
// queue depth it reports outstanding.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "base/status_or.h"
#include "harness/probe/probe_transport.h"
#include "harness/probe/probe_transport_result.h"
#include "transport/options.h"

namespace rpbench::probe {

struct TransportProbePlan {
  transport::TransportOptions first;  // the first connection: the first channel count swept
  uint64_t max_size = 0;
  int max_queue_depth = 0;
  int min_channels = 0;
  uint64_t local_bytes = 0;  // the registered local buffer
  std::optional<BaselineKind> baseline;
  std::optional<std::string> baseline_reason;  // why there is no baseline
};

// kInvalidArgument naming what to change when the config cannot be run as asked.
StatusOr<TransportProbePlan> plan_transport_probe(const TransportProbeConfig& config);

// The baseline a transport is compared against: memcpy for shm, a raw socket stream for tcp,
// none for verbs (compare with perftest on the same device).
std::optional<BaselineKind> baseline_for(const std::string& type);

}  // namespace rpbench::probe
