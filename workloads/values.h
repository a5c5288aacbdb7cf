// Value sizes and value bytes, both pure functions of (key_id, version, seed): any phase can
// recompute what a key should hold (e.g. verify after recovery) without remembering it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/rng.h"
#include "workloads/spec.h"

namespace rpbench::workloads {

class ValueSizer {
 public:
  // Throws std::invalid_argument (naming the value_size field) for a spec check_spec rejects.
  ValueSizer(const ValueSizeSpec& spec, uint64_t seed);

  // Bytes of the value of (key_id, version): distributed per the spec over keys and versions.
  uint32_t size_for(uint64_t key_id, uint64_t version) const {
    if (kind_ == Kind::kFixed) return fixed_;
    const uint64_t h = hash(key_id, version);
    if (kind_ == Kind::kUniform) return lo_[0] + static_cast<uint32_t>(mul_high(h, span_[0]));
    return size_from_buckets(h);
  }
  uint32_t max_size() const { return max_; }

 private:
  enum class Kind { kFixed, kUniform, kBuckets };
  uint64_t hash(uint64_t key_id, uint64_t version) const {
    return mix64(mix64(key_id ^ seed_mix_) + version * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
  }
  uint32_t size_from_buckets(uint64_t h) const;

  Kind kind_;
  uint32_t fixed_ = 0;
  uint32_t max_ = 0;
  uint64_t seed_mix_;
  std::vector<uint64_t> threshold_;  // cumulative bucket weight scaled to 2^64 (last = max)
  std::vector<uint32_t> lo_;
  std::vector<uint64_t> span_;  // hi - lo + 1
};

// Fills out[0, len) with bytes determined by (key_id, version, seed): a different version or key
// gives different bytes. Generated 8 bytes per step (wyrand-style), several GB/s.
void fill_value(uint64_t key_id, uint64_t version, uint64_t seed, char* out, size_t len);
std::string make_value(uint64_t key_id, uint64_t version, uint64_t seed, size_t len);

}  // namespace rpbench::workloads
