#include "harness/probe/probe_transport_plan.h"

#include <algorithm>

#include "base/sizes.h"
#include "transport/registry.h"

namespace rpbench::probe {

std::optional<BaselineKind> baseline_for(const std::string& type) {
  if (type == "shm") return BaselineKind::kMemcpy;
  if (type == "tcp") return BaselineKind::kSocketStream;
  return std::nullopt;
}

namespace {

// The transport's queue depth (chunks per channel) that keeps `max_qd` transfers of `max_size`
// bytes outstanding on `channels` channels.
uint64_t queue_needed(uint64_t max_size, uint64_t chunk_bytes, int max_qd, int channels) {
  const uint64_t chunks_per_transfer = (max_size + chunk_bytes - 1) / chunk_bytes;
  const auto c = static_cast<uint64_t>(channels);
  return (static_cast<uint64_t>(max_qd) * chunks_per_transfer + c - 1) / c;
}

}  // namespace

StatusOr<TransportProbePlan> plan_transport_probe(const TransportProbeConfig& cfg) {
  const std::string& type = cfg.transport.type;
  if (transport::find_transport(type) == nullptr)
    return Status::InvalidArgument("transport type '" + type + "' (expected " + transport::transport_choices() + ")");
  if (cfg.sizes.empty() || cfg.channels.empty() || cfg.queue_depths.empty() || cfg.ops.empty())
    return Status::InvalidArgument("probe transport: sizes, channels, queue depths and ops must not be empty");
  TransportProbePlan plan;
  plan.max_size = *std::max_element(cfg.sizes.begin(), cfg.sizes.end());
  plan.max_queue_depth = *std::max_element(cfg.queue_depths.begin(), cfg.queue_depths.end());
  plan.min_channels = *std::min_element(cfg.channels.begin(), cfg.channels.end());
  if (cfg.transport.memnode == "auto" && plan.max_size > cfg.transport.region_bytes)
    return Status::InvalidArgument("size " + format_size(plan.max_size) + " is larger than the region (" +
                                   format_size(cfg.transport.region_bytes) + ")");
  plan.local_bytes = std::max(
      plan.max_size, std::min(plan.max_size * static_cast<uint64_t>(plan.max_queue_depth), cfg.local_buffer_cap));

  plan.first = cfg.transport;
  plan.first.channels = cfg.channels.front();
  const uint64_t depth_needed =
      queue_needed(plan.max_size, plan.first.chunk_bytes, plan.max_queue_depth, plan.min_channels);
  if (depth_needed > static_cast<uint64_t>(transport::kMaxQueueDepth))
    return Status::InvalidArgument(
        "queue depth " + std::to_string(plan.max_queue_depth) + " of " + format_size(plan.max_size) + " transfers on " +
        std::to_string(plan.min_channels) + " channel(s) needs " + std::to_string(depth_needed) +
        " outstanding chunks of " + format_size(plan.first.chunk_bytes) + " per channel, more than the transports' " +
        std::to_string(transport::kMaxQueueDepth) + ": lower --queue-depth or the largest size");
  plan.first.queue_depth = std::max<int>(plan.first.queue_depth, static_cast<int>(depth_needed));

  if (!cfg.baseline) {
    plan.baseline_reason = "not measured (--no-baseline)";
  } else if (!(plan.baseline = baseline_for(type))) {
    plan.baseline_reason =
        type + " has no local baseline: compare with perftest's ib_write_bw / ib_read_bw on the same device";
  }
  return plan;
}

}  // namespace rpbench::probe
