#include "harness/probe/probe_transport_summary.h"

#include <algorithm>
#include <map>

namespace rpbench::probe {

namespace {

using transport::Op;

constexpr uint64_t kSummaryMinSize = 1 << 20;  // the judged median is over sizes >= 1 MiB

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The configuration judged: the fewest channels and the deepest queue of the sweep.
struct Judged {
  int channels = 0;
  int queue_depth = 0;
};

Judged judged_configuration(const std::vector<BandwidthRow>& bandwidth) {
  Judged j;
  for (const BandwidthRow& r : bandwidth) {
    if (j.channels == 0 || r.point.channels < j.channels) j.channels = r.point.channels;
    j.queue_depth = std::max(j.queue_depth, r.point.queue_depth);
  }
  return j;
}

OpSummary summarise_op(const std::string& type, Op op, const std::vector<BandwidthRow>& bandwidth, Judged judged,
                       const std::string& no_target) {
  std::map<uint64_t, const BandwidthRow*> best, at_judged;
  for (const BandwidthRow& r : bandwidth) {
    if (r.point.op != op) continue;
    const uint64_t size = r.point.size_bytes;
    if (!best.count(size) || r.point.gb_per_s() > best[size]->point.gb_per_s()) best[size] = &r;
    if (r.point.channels == judged.channels && r.point.queue_depth == judged.queue_depth) at_judged[size] = &r;
  }
  OpSummary s;
  s.op = op;
  s.judged_channels = judged.channels;
  s.judged_queue_depth = judged.queue_depth;
  for (const auto& [size, r] : best)
    s.best_per_size.push_back(
        {size, r->point.channels, r->point.queue_depth, r->point.gb_per_s(), r->ratio_to_baseline});
  std::vector<double> big;
  for (const auto& [size, r] : at_judged) {
    s.largest_size_bytes = size;
    s.ratio_at_largest_size = r->ratio_to_baseline;
    if (size >= kSummaryMinSize && r->ratio_to_baseline) big.push_back(*r->ratio_to_baseline);
  }
  if (!big.empty()) s.median_ratio_min_1mib = median(big);
  if (op == Op::kWrite && target_ratio(type)) {
    if (no_target.empty()) {
      s.target_ratio = target_ratio(type);
    } else {
      s.target_note = "target not judged: " + no_target;
    }
  }
  const std::optional<double> judged_ratio =
      s.median_ratio_min_1mib ? s.median_ratio_min_1mib : s.ratio_at_largest_size;
  if (s.target_ratio && judged_ratio) s.target_met = *judged_ratio >= *s.target_ratio;
  return s;
}

}  // namespace

std::optional<double> target_ratio(const std::string& type) {
  if (type == "shm") return 0.80;
  if (type == "tcp") return 0.70;
  return std::nullopt;
}

std::vector<OpSummary> summarise(const std::string& type, const std::vector<Op>& ops,
                                 const std::vector<BandwidthRow>& bandwidth, const std::string& no_target) {
  const Judged judged = judged_configuration(bandwidth);
  std::vector<OpSummary> summary;
  for (Op op : ops) summary.push_back(summarise_op(type, op, bandwidth, judged, no_target));
  return summary;
}

}  // namespace rpbench::probe
