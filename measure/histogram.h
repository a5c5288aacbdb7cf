// Latency histogram: log-bucketed counts (HdrHistogram-like, see bucket_layout.h), one per thread
// and latency class, merged at the end; the raw buckets go into the result so any quantile can be
// recomputed later.
//
// Error bound. With S sub-bucket bits, every value v <= 2^37 - 1 ns (about 137 s) falls in a
// bucket [lower, upper] with upper - lower + 1 <= max(1, 2^-S * lower); values below 2^(S+1) are
// exact. percentile() returns min(upper of the bucket holding the nearest-rank quantile, max()),
// so for the true nearest-rank quantile x it returns r with x <= r and (r - x) / x < 2^-S
// (S = 7: < 0.78125%). relative_error(S) returns 2^-S. Rank 1 returns min() and rank count()
// returns max(), both exact.
//
// Values above 2^37 - 1 are counted (count(), min(), max(), mean() see the raw value) but land in
// the top bucket, so a quantile among them reads as at most 2^37 - 1; clamped() says how many.
// mean() is exact while the sum of raw values stays below 2^64 ns.
//
// record() is a few instructions: no allocation, no branch (cmov for the clamp, min and max).
// Not thread-safe: one histogram per thread, merge() at the end.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/bucket_layout.h"

namespace rpbench::measure {

class Histogram {
 public:
  // sub_bucket_bits in [1, 12]; throws std::invalid_argument otherwise.
  explicit Histogram(int sub_bucket_bits = 7);

  void record(uint64_t value_ns) {
    // Every field is read before the bucket is written: the bucket store may alias them as far as
    // the compiler knows, so this order saves reloading each one after it.
    const size_t bucket = BucketLayout::index(std::min(value_ns, BucketLayout::kMaxTrackable), sub_bits_);
    uint64_t* const counts = counts_.data();
    const uint64_t count = count_ + 1, sum = sum_ + value_ns;
    const uint64_t min = std::min(min_, value_ns), max = std::max(max_, value_ns);
    const uint64_t clamped = clamped_ + static_cast<uint64_t>(value_ns > BucketLayout::kMaxTrackable);
    count_ = count;
    sum_ = sum;
    min_ = min;
    max_ = max;
    clamped_ = clamped;
    ++counts[bucket];
  }

  // Adds other's counts. Throws std::invalid_argument unless sub_bucket_bits are equal.
  void merge(const Histogram& other);

  int sub_bucket_bits() const { return sub_bits_; }
  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }  // 0 when empty
  uint64_t max() const { return max_; }                    // 0 when empty
  uint64_t sum() const { return sum_; }
  uint64_t clamped() const { return clamped_; }  // values above 2^37 - 1
  double mean() const;                           // 0 when empty
  // q in [0, 100] (std::invalid_argument otherwise); 0 when empty. See the bound above.
  uint64_t percentile(double q) const;
  // (upper_ns inclusive, count) for every non-empty bucket, ascending.
  std::vector<std::pair<uint64_t, uint64_t>> nonzero_buckets() const;
  static double relative_error(int sub_bucket_bits) { return BucketLayout::relative_error(sub_bucket_bits); }
  void reset();

  // The inverse of to_json(): the raw buckets, count, min, max and mean (the sum is mean * count,
  // rounded) back into a histogram of this layout, so results written apart can be merged
  // exactly. std::invalid_argument naming what is wrong when `j` is not such a histogram.
  static Histogram from_json(const nlohmann::json& j, int sub_bucket_bits = 7);

 private:
  int sub_bits_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
  uint64_t clamped_ = 0;
};

// {"count", "min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns",
//  "buckets": [[upper_ns, count], ...]}; when count == 0 every *_ns is null and buckets is [].
nlohmann::json to_json(const Histogram& h);

}  // namespace rpbench::measure
