// The plain-data description of a workload: key distribution, op mix, value sizes, seed. The
// config layer fills it from validated JSON; check_spec says whether a generator can serve it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rpbench::workloads {

// Which keys the operations touch.
struct KeySpec {
  // One of key_distributions(): "uniform", "sequential", "zipfian", "scrambled-zipfian",
  // "hotspot", "latest".
  std::string dist = "zipfian";
  // Zipf exponent for zipfian, scrambled-zipfian and latest; (0, 3], 1 allowed.
  double theta = 0.99;
  // hotspot: hot_op_fraction of the operations go to the first hot_key_fraction of the keys
  // (uniform within the hot and within the cold set). hot_key_fraction in (0, 1],
  // hot_op_fraction in [0, 1].
  double hot_key_fraction = 0.2;
  double hot_op_fraction = 0.8;
};

// Value sizes in bytes; within a bucket the size is uniform in [lo, hi].
struct SizeBucket {
  uint32_t lo;
  uint32_t hi;
  double weight;
};

struct ValueSizeSpec {
  // One of value_distributions(): "fixed" (size), "uniform" ([min, max]), "buckets" (weighted;
  // the weights need not sum to 1, they are normalized).
  std::string dist = "fixed";
  uint32_t size = 100;
  uint32_t min = 1;
  uint32_t max = 1;
  std::vector<SizeBucket> buckets;
};

// Fractions of each operation type; they must sum to 1 (within kMixTolerance).
struct MixSpec {
  double read = 1, update = 0, insert = 0, del = 0, rmw = 0;
};

struct WorkloadSpec {
  // Keys loaded before the run: ids [0, key_count). 0 only for an insert-only mix.
  uint64_t key_count = 0;
  // Bytes per key; at least kMinKeySize (make_key is injective from there on).
  uint32_t key_size = 16;
  KeySpec keys;
  MixSpec mix;
  ValueSizeSpec value_size;
  uint64_t seed = 1;
};

inline constexpr uint32_t kMinKeySize = 12;
inline constexpr uint32_t kMaxKeySize = 1024;
inline constexpr uint32_t kMaxValueSize = 64u << 20;         // 64 MiB
inline constexpr uint64_t kMaxKeyCount = uint64_t{1} << 48;  // zipfian keeps full precision
inline constexpr double kMaxTheta = 3.0;
inline constexpr size_t kMaxSizeBuckets = 64;
inline constexpr double kMixTolerance = 1e-9;

// Names, for `rpbench list` and for messages.
std::vector<std::string_view> key_distributions();
std::vector<std::string_view> value_distributions();

// The one check of an op mix: "" when every share is in [0, 1] and they sum to 1; else what is
// wrong, naming the field ("mix.read: 1.5 is out of range [0, 1]", "mix: ratios sum to 0.7,
// expected 1 (read 0.5 + update 0.2 + ...)").
std::string mix_problem(const MixSpec& mix);

// Throws std::invalid_argument naming the field ("mix: ratios sum to 0.9, expected 1",
// "keys.theta: ...") for a spec no generator can serve. Fields that the chosen distribution does
// not use are not checked.
void check_spec(const WorkloadSpec& spec);

}  // namespace rpbench::workloads
