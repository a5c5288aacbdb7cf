#include "harness/probe/probe_transport_json.h"

#include <string>

namespace rpbench::probe {

using nlohmann::json;

std::string_view baseline_kind_name(BaselineKind kind) {
  return kind == BaselineKind::kMemcpy ? "memcpy" : "socket_stream";
}

namespace {

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json transport_json(const ProbedTransport& t) {
  json link = nullptr;
  if (t.link_model) link = {{"bandwidth_gbps", t.link_model->bandwidth_gbps}, {"latency_us", t.link_model->latency_us}};
  return {{"type", t.type},
          {"description", t.description},
          {"memnode", t.memnode},
          {"endpoint", t.endpoint},
          {"region_bytes", t.region_bytes},
          {"region_allocation", t.region_allocation},
          {"link_model", link},
          {"chunk_bytes", t.chunk_bytes},
          {"transport_queue_depth", t.transport_queue_depth},
          {"local_buffer_bytes", t.local_buffer_bytes}};
}

std::string baseline_description(BaselineKind kind) {
  return std::string(kind == BaselineKind::kMemcpy
                         ? "single-thread memcpy of size bytes per copy"
                         : "one TCP loopback connection, size-byte messages sent in send() calls of at most the "
                           "transport's chunk_bytes, a forked child recv()s them; no framing, no acks; timed until "
                           "the child has read every byte") +
         "; the source rotates over source_slots size-byte slots (the local rotation of the deepest queue swept), "
         "the destination over a warm region-sized buffer: the memory the transport's points touch";
}

json baseline_json(const TransportProbeResult& r) {
  if (!r.baseline) return nullptr;
  json points = json::array();
  for (const BaselineRow& b : r.baseline_points)
    points.push_back({{"size_bytes", b.point.size_bytes},
                      {"transfers", b.point.transfers},
                      {"bytes", b.point.bytes},
                      {"seconds", b.point.seconds},
                      {"gb_per_s", b.point.gb_per_s()},
                      {"transfers_per_s", b.point.transfers_per_s()},
                      {"source_slots", b.source_slots},
                      {"plain_memcpy_gb_per_s", b.plain ? json(b.plain->gb_per_s()) : json(nullptr)}});
  return {{"kind", baseline_kind_name(*r.baseline)},
          {"description", baseline_description(*r.baseline)},
          {"points", std::move(points)}};
}

json bandwidth_json(const BandwidthRow& row) {
  const BandwidthPoint& p = row.point;
  return {{"op", transport::op_name(p.op)},
          {"size_bytes", p.size_bytes},
          {"channels", p.channels},
          {"queue_depth", p.queue_depth},
          {"transfers", p.transfers},
          {"bytes", p.bytes},
          {"seconds", p.seconds},
          {"gb_per_s", p.gb_per_s()},
          {"transfers_per_s", p.transfers_per_s()},
          {"baseline_gb_per_s", or_null(row.baseline_gb_per_s)},
          {"ratio_to_baseline", or_null(row.ratio_to_baseline)}};
}

json latency_json(const LatencyRow& row) {
  return {{"op", transport::op_name(row.op)},
          {"size_bytes", row.size_bytes},
          {"channels", 1},
          {"queue_depth", 1},
          {"latency", measure::to_json(row.histogram)}};
}

json summary_json(const OpSummary& s) {
  json per_size = json::array();
  for (const BestAtSize& b : s.best_per_size)
    per_size.push_back({{"size_bytes", b.size_bytes},
                        {"channels", b.channels},
                        {"queue_depth", b.queue_depth},
                        {"gb_per_s", b.gb_per_s},
                        {"ratio_to_baseline", or_null(b.ratio_to_baseline)}});
  return {{"op", transport::op_name(s.op)},
          {"best_per_size", std::move(per_size)},
          {"judged_channels", s.judged_channels},
          {"judged_queue_depth", s.judged_queue_depth},
          {"median_ratio_min_1mib", or_null(s.median_ratio_min_1mib)},
          {"largest_size_bytes", s.largest_size_bytes},
          {"ratio_at_largest_size", or_null(s.ratio_at_largest_size)},
          {"target_ratio", or_null(s.target_ratio)},
          {"target_met", or_null(s.target_met)},
          {"target_note", or_null(s.target_note)}};
}

template <class Row, class ToJson>
json rows_json(const std::vector<Row>& rows, ToJson to_json) {
  json out = json::array();
  for (const Row& r : rows) out.push_back(to_json(r));
  return out;
}

}  // namespace

json transport_probe_json(const TransportProbeResult& r) {
  return {{"transport", transport_json(r.transport)},      {"baseline", baseline_json(r)},
          {"baseline_reason", or_null(r.baseline_reason)}, {"bandwidth", rows_json(r.bandwidth, bandwidth_json)},
          {"latency", rows_json(r.latency, latency_json)}, {"summary", rows_json(r.summary, summary_json)}};
}

}  // namespace rpbench::probe
