// The bucket arithmetic shared by Histogram and Timeline: a log-linear layout in the style of
// HdrHistogram. Values below 2^(S+1) (S = sub_bucket_bits) get one bucket each (exact); above
// that, every power-of-two range [2^k, 2^(k+1)) is split into 2^S linear sub-buckets of width
// 2^(k-S). A value x in a bucket [lower, upper] therefore satisfies (upper - x) / x < 2^-S.
//
// Index of v: shift = max(msb(v), S) - S, index = (shift << S) + (v >> shift). No branches,
// no table. Values above kMaxTrackable (2^37 - 1 ns, about 137 s) are clamped to it by callers.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace rpbench::measure {

struct BucketLayout {
  static constexpr int kMaxTrackableBits = 37;
  static constexpr uint64_t kMaxTrackable = (uint64_t{1} << kMaxTrackableBits) - 1;
  static constexpr int kMinSubBucketBits = 1;
  static constexpr int kMaxSubBucketBits = 12;

  // Bucket index of v (v must be <= kMaxTrackable; callers clamp).
  static inline size_t index(uint64_t v, int sub_bits) {
    const int msb = 63 - __builtin_clzll(v | (uint64_t{1} << sub_bits));
    const int shift = msb - sub_bits;
    return (static_cast<size_t>(shift) << sub_bits) + static_cast<size_t>(v >> shift);
  }
  // Number of buckets needed to hold every value in [0, kMaxTrackable].
  static constexpr size_t count(int sub_bits) {
    return static_cast<size_t>(kMaxTrackableBits + 1 - sub_bits) << sub_bits;
  }
  // Smallest and largest (inclusive) value that maps to bucket i.
  static inline uint64_t lower(size_t i, int sub_bits) {
    const size_t shift = std::max<size_t>(i >> sub_bits, 1) - 1;
    const uint64_t m = i - (shift << sub_bits);
    return m << shift;
  }
  static inline uint64_t upper(size_t i, int sub_bits) {
    const size_t shift = std::max<size_t>(i >> sub_bits, 1) - 1;
    const uint64_t m = i - (shift << sub_bits);
    return ((m + 1) << shift) - 1;
  }
  // The bound above: 2^-S.
  static constexpr double relative_error(int sub_bits) { return 1.0 / static_cast<double>(uint64_t{1} << sub_bits); }
};

// Rank (1-based) of the q-th percentile by the nearest-rank method: ceil(q/100 * n), at least 1.
// A tiny epsilon keeps q values that are not exact in binary (99.9) from rounding up a rank.
inline uint64_t nearest_rank(double q, uint64_t n) {
  const double r = q / 100.0 * static_cast<double>(n);
  double c = r - r * 1e-12;
  uint64_t rank = c <= 0 ? 0 : static_cast<uint64_t>(c);
  if (static_cast<double>(rank) < c) ++rank;  // ceil
  return std::clamp<uint64_t>(rank, 1, n);
}

}  // namespace rpbench::measure
