#include "harness/probe/probe_transport_sweep.h"

#include <algorithm>
#include <optional>

namespace rpbench::probe {

namespace {

using transport::Op;

// The baseline's destination is a warm region-sized buffer, at most this large: far beyond the
// caches either way, and a named node's region may be huge.
constexpr uint64_t kMaxBaselineDestBytes = 1ull << 30;

// One size's baseline: the source rotates like the deepest-queue points (the judged ones: one
// local slot per outstanding transfer, as many as fit in the local buffer,
// probe_transport_points.cc), the destination over a warm region-sized buffer.
StatusOr<BaselineRow> measure_baseline(BaselineKind kind, const TransportProbeConfig& cfg,
                                       const TransportProbePlan& plan, uint64_t region_bytes, uint64_t size) {
  const BaselineShape shape{
      .size = size,
      .source_slots = std::clamp<uint64_t>(static_cast<uint64_t>(plan.max_queue_depth), 1, plan.local_bytes / size),
      .dest_bytes = std::min<uint64_t>(region_bytes, kMaxBaselineDestBytes),
      .send_bytes = cfg.transport.chunk_bytes};
  StatusOr<BaselinePoint> b = kind == BaselineKind::kMemcpy
                                  ? measure_memcpy(shape, cfg.seconds_per_point, cfg.min_transfers)
                                  : measure_socket_stream(shape, cfg.seconds_per_point, cfg.min_transfers);
  if (!b.ok()) return b.status();
  BaselineRow row{*b, shape.source_slots, std::nullopt};
  if (kind == BaselineKind::kMemcpy) {
    StatusOr<BaselinePoint> plain = measure_memcpy(BaselineShape{.size = size, .source_slots = 1, .dest_bytes = size},
                                                   cfg.seconds_per_point, cfg.min_transfers);
    if (!plain.ok()) return plain.status();
    row.plain = *plain;
  }
  return row;
}

}  // namespace

Status sweep_bandwidth(const TransportProbeConfig& cfg, const TransportProbePlan& plan, ProbeConnections& conns,
                       TransportProbeResult& result, TransportProbeReporter& reporter) {
  reporter.sweep_started(result);
  for (uint64_t size : cfg.sizes) {
    std::optional<double> base;
    if (plan.baseline) {
      StatusOr<BaselineRow> b = measure_baseline(*plan.baseline, cfg, plan, result.transport.region_bytes, size);
      if (!b.ok()) return b.status();
      result.baseline_points.push_back(*b);
      reporter.baseline_measured(result, result.baseline_points.back());
      if (b->point.gb_per_s() > 0) base = b->point.gb_per_s();
    }
    for (ProbeConnection& c : conns.all()) {
      for (Op op : cfg.ops) {
        for (int qd : cfg.queue_depths) {
          StatusOr<BandwidthPoint> p =
              measure_bandwidth(*c.t, c.buffer(), op, size, qd, cfg.seconds_per_point, cfg.min_transfers);
          if (!p.ok()) return p.status();
          BandwidthRow row{*p, base, std::nullopt};
          if (base) row.ratio_to_baseline = p->gb_per_s() / *base;
          result.bandwidth.push_back(row);
          reporter.bandwidth_measured(result, result.bandwidth.back());
        }
      }
    }
  }
  return Status::Ok();
}

Status sweep_latency(const TransportProbeConfig& cfg, ProbeConnections& conns, TransportProbeResult& result,
                     TransportProbeReporter& reporter) {
  if (conns.find(1) == nullptr) {
    if (Status s = conns.add(1); !s.ok()) return s;
  }
  ProbeConnection& one = *conns.find(1);
  reporter.latency_started(result);
  for (Op op : cfg.ops) {
    for (uint64_t size : cfg.sizes) {
      StatusOr<measure::Histogram> h =
          measure_latency(*one.t, one.buffer(), op, size, cfg.lat_samples, cfg.seconds_per_point, cfg.min_lat_samples);
      if (!h.ok()) return h.status();
      result.latency.push_back(LatencyRow{op, size, std::move(*h)});
      reporter.latency_measured(result, result.latency.back());
    }
  }
  return Status::Ok();
}

}  // namespace rpbench::probe
