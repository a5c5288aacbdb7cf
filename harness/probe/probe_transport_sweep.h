// The measurements of a `rpbench probe transport` run over its open connections, appended to the
// result and told to the reporter as each one is taken:
//  - sweep_bandwidth: size by size, the size's baseline first (so that both see the same machine,
//    which is shared and noisy), then every connection (channel count), op and queue depth; each
//    point's ratio_to_baseline is its GB/s over its size's baseline;
//  - sweep_latency: per op and size, on one channel at queue depth 1 (the sweep's 1-channel
//    connection, else one opened for it).
#pragma once
#include "base/status.h"
#include "harness/probe/probe_transport.h"
#include "harness/probe/probe_transport_connections.h"
#include "harness/probe/probe_transport_plan.h"
#include "harness/probe/probe_transport_report.h"
#include "harness/probe/probe_transport_result.h"

namespace rpbench::probe {

Status sweep_bandwidth(const TransportProbeConfig& config, const TransportProbePlan& plan, ProbeConnections& conns,
                       TransportProbeResult& result, TransportProbeReporter& reporter);

Status sweep_latency(const TransportProbeConfig& config, ProbeConnections& conns, TransportProbeResult& result,
                     TransportProbeReporter& reporter);

}  // namespace rpbench::probe
