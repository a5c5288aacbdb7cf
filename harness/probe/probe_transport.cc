#include "harness/probe/probe_transport.h"

#include <sys/mman.h>

#include <cstring>
#include <exception>
#include <string>

#include "base/sizes.h"
#include "harness/probe/probe_transport_connections.h"
#include "harness/probe/probe_transport_plan.h"
#include "harness/probe/probe_transport_report.h"
#include "harness/probe/probe_transport_summary.h"
#include "harness/probe/probe_transport_sweep.h"
#include "measure/mapping.h"
#include "transport/remote_memory.h"

namespace rpbench::probe {

namespace {

// The registered local buffer, filled. The tcp baseline forks: without MADV_DONTFORK every page
// of it would be write-protected for copy-on-write after each fork, and the next read points
// would pay a fault per page.
StatusOr<measure::AnonMapping> local_buffer(const TransportProbePlan& plan) {
  StatusOr<measure::AnonMapping> local = measure::AnonMapping::map(plan.local_bytes);
  if (!local.ok()) return local.status().with_context("the probe's local buffer: ");
  std::memset(local->data(), 0x5a, local->size());
  if (plan.baseline == BaselineKind::kSocketStream) {
    if (Status s = local->advise(MADV_DONTFORK); !s.ok()) return s.with_context("the probe's local buffer: ");
  }
  return local;
}

// What the probe runs on, once connected.
ProbedTransport probed_transport(ProbeConnections& conns, const TransportProbePlan& plan) {
  transport::RemoteMemory& remote = conns.remote();
  const transport::TransportOptions& o = remote.options();
  ProbedTransport t;
  t.type = o.type;
  t.description = remote.describe();
  t.memnode = o.memnode;
  t.endpoint = remote.endpoint();
  t.region_bytes = remote.transport().region_bytes();
  t.region_allocation = transport::region_allocation(o);
  if (o.link.active()) t.link_model = o.link;
  t.chunk_bytes = o.chunk_bytes;
  t.transport_queue_depth = o.queue_depth;
  t.local_buffer_bytes = plan.local_bytes;
  t.memory_node = remote.node_json();
  return t;
}

// Why the target is not judged in this run, or "": the targets compare with a local baseline on
// an unshaped link, so a link model (shm) or a node the probe did not start (perhaps on another
// host) is not what they are about.
std::string no_target_reason(const ProbedTransport& t) {
  if (t.link_model) return "the shm link model shapes the transport on purpose";
  if (t.memnode != "auto") return "the memory node (" + t.memnode + ") was not started by the probe";
  return "";
}

}  // namespace

StatusOr<TransportProbeResult> run_transport_probe(const TransportProbeConfig& cfg, TransportProbeReporter& reporter) {
  StatusOr<TransportProbePlan> plan = plan_transport_probe(cfg);
  if (!plan.ok()) return plan.status();

  // The local buffer before the connections: it must outlive every transfer into it, also when
  // a point fails with reads in flight and the connections are torn down.
  StatusOr<measure::AnonMapping> local = local_buffer(*plan);
  if (!local.ok()) return local.status();

  // Connect first: an unreachable node fails before anything is measured. (The tcp baseline
  // forks later with the connections open; its reader only makes system calls and exits, never
  // touching them.)
  StatusOr<std::unique_ptr<ProbeConnections>> conns = ProbeConnections::open(plan->first, *local);
  if (!conns.ok()) return conns.status();
  TransportProbeResult result;
  result.transport = probed_transport(**conns, *plan);
  result.baseline = plan->baseline;
  result.baseline_reason = plan->baseline_reason;
  reporter.connected(result);
  if (plan->max_size > result.transport.region_bytes)
    return Status::InvalidArgument("size " + format_size(plan->max_size) +
                                   " is larger than the memory node's region (" +
                                   format_size(result.transport.region_bytes) + ")");
  for (int channels : cfg.channels) {
    if (Status s = (*conns)->add(channels); !s.ok()) return s;
  }

  if (Status s = sweep_bandwidth(cfg, *plan, **conns, result, reporter); !s.ok()) return s;
  if (Status s = sweep_latency(cfg, **conns, result, reporter); !s.ok()) return s;
  if (Status s = (*conns)->close(); !s.ok()) return s;
  result.summary = summarise(result.transport.type, cfg.ops, result.bandwidth, no_target_reason(result.transport));
  reporter.finished(result);
  return result;
}

}  // namespace rpbench::probe
