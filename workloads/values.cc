#include "workloads/values.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "workloads/rng.h"

namespace rpbench::workloads {
namespace {

constexpr uint64_t kTagSize = 0x73697a65;  // "size"

uint64_t to_le(uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
  return v;
}

}  // namespace

ValueSizer::ValueSizer(const ValueSizeSpec& spec, uint64_t seed) : seed_mix_(derive_seed(seed, kTagSize)) {
  // Validate through the one place that knows the rules and the field names.
  WorkloadSpec probe;
  probe.key_count = 1;
  probe.value_size = spec;
  check_spec(probe);

  if (spec.dist == "fixed") {
    kind_ = Kind::kFixed;
    fixed_ = max_ = spec.size;
  } else if (spec.dist == "uniform") {
    kind_ = Kind::kUniform;
    lo_ = {spec.min};
    span_ = {uint64_t{spec.max} - spec.min + 1};
    max_ = spec.max;
  } else {
    kind_ = Kind::kBuckets;
    double total = 0;
    for (const auto& b : spec.buckets) total += b.weight;
    double cumulative = 0;
    size_t last_used = 0;
    for (size_t i = 0; i < spec.buckets.size(); ++i) {
      const auto& b = spec.buckets[i];
      cumulative += b.weight;
      const double fraction = cumulative / total;
      threshold_.push_back(fraction >= 1.0 ? std::numeric_limits<uint64_t>::max()
                                           : static_cast<uint64_t>(std::ldexp(fraction, 64)));
      lo_.push_back(b.lo);
      span_.push_back(uint64_t{b.hi} - b.lo + 1);
      if (b.weight > 0) {
        last_used = i;
        if (b.hi > max_) max_ = b.hi;
      }
    }
    // Draws at the very top of the range belong to the last bucket with weight.
    threshold_[last_used] = std::numeric_limits<uint64_t>::max();
    threshold_.resize(last_used + 1);
  }
}

uint32_t ValueSizer::size_from_buckets(uint64_t h) const {
  // Branch-free: the bucket is the number of thresholds at or below h (the last one is the
  // maximum, which only h == 2^64 - 1 reaches, and then it stays in the last bucket).
  size_t i = 0;
  const size_t last = threshold_.size() - 1;
  for (size_t b = 0; b < last; ++b) i += h >= threshold_[b];
  // The bucket is decided by h's high bits; the position within it mostly by its low bits,
  // rotated to the top so that mul_high scales them onto [0, span).
  return lo_[i] + static_cast<uint32_t>(mul_high(std::rotl(h, 32), span_[i]));
}

void fill_value(uint64_t key_id, uint64_t version, uint64_t seed, char* out, size_t len) {
  uint64_t s = mix64(mix64(key_id ^ mix64(seed)) ^ (version * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL));
  auto step = [&s]() {
    s += 0xa0761d6478bd642fULL;
    const Uint128 m = static_cast<Uint128>(s) * (s ^ 0xe7037ed1a0b428dbULL);
    return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
  };
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const uint64_t word = to_le(step());
    std::memcpy(out + i, &word, 8);
  }
  // The last 1-7 bytes: the word's low bytes first (its little-endian prefix), stored one by one
  // rather than through a variable-length memcpy call.
  for (uint64_t word = i < len ? step() : 0; i < len; ++i, word >>= 8) out[i] = static_cast<char>(word & 0xff);
}

std::string make_value(uint64_t key_id, uint64_t version, uint64_t seed, size_t len) {
  std::string value(len, '\0');
  fill_value(key_id, version, seed, value.data(), len);
  return value;
}

}  // namespace rpbench::workloads
