#include "measure/timeline.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "measure/bucket_layout.h"

namespace rpbench::measure {

Timeline::Timeline(uint64_t start_ns, uint64_t interval_ns) : start_ns_(start_ns), interval_ns_(interval_ns) {
  if (interval_ns == 0) throw std::invalid_argument("Timeline: interval_ns must be > 0");
}

size_t Timeline::locate(uint64_t t_ns) {
  const uint64_t i = t_ns <= start_ns_ ? 0 : (t_ns - start_ns_) / interval_ns_;
  if (i >= intervals_.size()) {
    if (i >= kMaxIntervals) {
      throw std::out_of_range("Timeline::record: t_ns " + std::to_string(t_ns) + " is " + std::to_string(i) +
                              " intervals after the start (limit " + std::to_string(kMaxIntervals) + ")");
    }
    intervals_.resize(i + 1);
  }
  // Interval 0 also takes times before the start, so it is never cached as [lo, lo + interval).
  if (i > 0) {
    cached_index_ = i;
    cached_lo_ = start_ns_ + i * interval_ns_;
  }
  return i;
}

void Timeline::grow(Interval& iv, size_t bucket) { iv.counts.resize(bucket + 1, 0); }

void Timeline::merge(const Timeline& other) {
  if (other.start_ns_ != start_ns_ || other.interval_ns_ != interval_ns_) {
    throw std::invalid_argument("Timeline::merge: start/interval differ (" + std::to_string(start_ns_) + "/" +
                                std::to_string(interval_ns_) + " vs " + std::to_string(other.start_ns_) + "/" +
                                std::to_string(other.interval_ns_) + ")");
  }
  if (other.intervals_.size() > intervals_.size()) intervals_.resize(other.intervals_.size());
  for (size_t i = 0; i < other.intervals_.size(); ++i) {
    const Interval& src = other.intervals_[i];
    Interval& dst = intervals_[i];
    dst.ops += src.ops;
    dst.max = std::max(dst.max, src.max);
    if (src.counts.size() > dst.counts.size()) dst.counts.resize(src.counts.size(), 0);
    for (size_t b = 0; b < src.counts.size(); ++b) dst.counts[b] += src.counts[b];
  }
}

uint64_t Timeline::percentile(size_t interval, double q) const {
  const Interval& iv = intervals_.at(interval);
  if (iv.ops == 0) return 0;
  const uint64_t rank = nearest_rank(q, iv.ops);
  if (rank == iv.ops) return iv.max;
  uint64_t seen = 0;
  for (size_t b = 0; b < iv.counts.size(); ++b) {
    seen += iv.counts[b];
    if (seen >= rank) return std::min(BucketLayout::upper(b, kSubBucketBits), iv.max);
  }
  return iv.max;
}

nlohmann::json Timeline::to_json() const {
  nlohmann::json out = nlohmann::json::array();
  const bool whole_ms = interval_ns_ % 1'000'000 == 0;
  for (size_t i = 0; i < intervals_.size(); ++i) {
    nlohmann::json e;
    if (whole_ms) {
      e["t_ms"] = static_cast<uint64_t>(i) * (interval_ns_ / 1'000'000);
    } else {
      e["t_ms"] = static_cast<double>(i) * static_cast<double>(interval_ns_) / 1e6;
    }
    const Interval& iv = intervals_[i];
    e["ops"] = iv.ops;
    if (iv.ops == 0) {
      e["p50_ns"] = nullptr;
      e["p99_ns"] = nullptr;
      e["max_ns"] = nullptr;
    } else {
      e["p50_ns"] = percentile(i, 50);
      e["p99_ns"] = percentile(i, 99);
      e["max_ns"] = iv.max;
    }
    out.push_back(std::move(e));
  }
  return out;
}

uint64_t Timeline::last_completed_p99_ns() const {
  if (intervals_.size() < 2) return 0;
  return percentile(intervals_.size() - 2, 99);
}

}  // namespace rpbench::measure
