// Per-interval view of a run: ops, p50, p99 and max latency per fixed interval, each op placed by
// its intended start time. Every interval keeps a coarse histogram (5 sub-bucket bits: a reported
// percentile r and the true nearest-rank value x satisfy x <= r, (r - x) / x < 2^-5 = 3.125%;
// max is exact), stored as 32-bit counts that grow only as high as the largest latency seen in
// that interval. One Timeline per thread, merged at the end; not thread-safe.
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/bucket_layout.h"

namespace rpbench::measure {

class Timeline {
 public:
  static constexpr int kSubBucketBits = 5;
  // Refuses to grow past this many intervals (a wild t_ns would otherwise eat memory).
  static constexpr uint64_t kMaxIntervals = uint64_t{1} << 24;

  // interval_ns > 0 (std::invalid_argument otherwise).
  Timeline(uint64_t start_ns, uint64_t interval_ns);

  // t_ns: the op's intended start (times before start_ns count in interval 0). Amortized O(1);
  // allocates only when a new interval or a new highest bucket in an interval appears. Throws
  // std::out_of_range if t_ns lies more than kMaxIntervals intervals after start_ns.
  void record(uint64_t t_ns, uint64_t latency_ns) {
    // Fast path: the same interval as the previous op.
    const size_t i = t_ns >= cached_lo_ && t_ns - cached_lo_ < interval_ns_ ? cached_index_ : locate(t_ns);
    Interval& iv = intervals_[i];
    ++iv.ops;
    iv.max = latency_ns > iv.max ? latency_ns : iv.max;
    const size_t b = BucketLayout::index(
        latency_ns < BucketLayout::kMaxTrackable ? latency_ns : BucketLayout::kMaxTrackable, kSubBucketBits);
    if (b >= iv.counts.size()) grow(iv, b);
    ++iv.counts[b];
  }

  // Adds other's intervals. std::invalid_argument unless start and interval are equal.
  void merge(const Timeline& other);

  // [{"t_ms", "ops", "p50_ns", "p99_ns", "max_ns"}, ...], one entry per interval from 0 to the last
  // one with data; t_ms is the interval's start relative to start_ns (an integer when the interval
  // is a whole number of ms). Empty intervals have ops 0 and null latencies.
  nlohmann::json to_json() const;

  // p99 of the interval before the newest one recorded (the newest may still be filling); 0 if
  // there is none or it is empty. For a live progress line.
  uint64_t last_completed_p99_ns() const;

  uint64_t start_ns() const { return start_ns_; }
  uint64_t interval_ns() const { return interval_ns_; }
  size_t intervals() const { return intervals_.size(); }
  uint64_t ops(size_t interval) const { return intervals_.at(interval).ops; }
  uint64_t percentile(size_t interval, double q) const;  // 0 for an empty interval
  uint64_t max_ns(size_t interval) const { return intervals_.at(interval).max; }

 private:
  struct Interval {
    uint64_t ops = 0;
    uint64_t max = 0;
    std::vector<uint32_t> counts;
  };
  size_t locate(uint64_t t_ns);  // the interval of t_ns, growing the list; updates the cache
  static void grow(Interval& iv, size_t bucket);

  uint64_t start_ns_;
  uint64_t interval_ns_;
  std::vector<Interval> intervals_;
  size_t cached_index_ = 0;
  uint64_t cached_lo_ = ~uint64_t{0};  // start of the cached interval; none yet
};

}  // namespace rpbench::measure
