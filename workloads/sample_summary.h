// What a sample of ops looks like: counts by type, key skew, value sizes. `rpbench sample`
// prints it; tests use it to check a workload at a glance.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "workloads/op.h"

namespace rpbench::workloads {

// Value sizes in [lo, hi] (powers of two: [1,1], [2,3], [4,7], ...).
struct SizeHistogramBucket {
  uint32_t lo = 0;
  uint32_t hi = 0;
  uint64_t count = 0;
};

struct SampleSummary {
  uint64_t total_ops = 0;
  std::array<uint64_t, kOpTypeCount> ops_by_type{};  // indexed by OpType
  uint64_t key_count = 0;                            // the key space the shares refer to
  uint64_t distinct_keys = 0;
  // Share of all ops that went to the ceil(1% / 10% of key_count) most frequently hit keys.
  double hottest_1pct_share = 0;
  double hottest_10pct_share = 0;
  // Over the ops that carry a value (update, insert, rmw).
  uint64_t sized_ops = 0;
  uint32_t value_size_min = 0;
  uint32_t value_size_max = 0;
  double value_size_mean = 0;
  std::vector<SizeHistogramBucket> value_size_histogram;  // from min's bucket to max's, empty ones kept
};

// Accumulates ops one at a time (memory: one counter per distinct key).
class SampleSummarizer {
 public:
  void add(const Op& op);
  // key_count: the size of the key space (e.g. OpStream::key_count() at the end).
  SampleSummary finish(uint64_t key_count) const;

 private:
  uint64_t total_ = 0;
  std::array<uint64_t, kOpTypeCount> by_type_{};
  std::unordered_map<uint64_t, uint64_t> per_key_;
  std::array<uint64_t, 33> size_log2_{};  // bucket b holds sizes with bit_width == b
  uint64_t sized_ = 0;
  uint64_t size_sum_ = 0;
  uint32_t size_min_ = UINT32_MAX;
  uint32_t size_max_ = 0;
};

SampleSummary summarize(std::span<const Op> ops, uint64_t key_count);

// snake_case keys with units: {"total_ops", "ops": {"read": n, ...}, "key_count", "distinct_keys",
// "hottest_1pct_share", "hottest_10pct_share", "value_size": {"count", "min_bytes", "max_bytes",
// "mean_bytes", "histogram": [{"lo_bytes", "hi_bytes", "count"}, ...]}}.
nlohmann::json to_json(const SampleSummary& summary);
// A few lines for people.
std::string to_text(const SampleSummary& summary);

}  // namespace rpbench::workloads
