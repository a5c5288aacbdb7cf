#include "workloads/sample_summary.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <functional>

namespace rpbench::workloads {
namespace {

// Sum of the `top` largest counts.
uint64_t top_sum(std::vector<uint64_t>& counts, uint64_t top) {
  if (top >= counts.size()) {
    uint64_t sum = 0;
    for (uint64_t c : counts) sum += c;
    return sum;
  }
  std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(top), counts.end(), std::greater<>());
  uint64_t sum = 0;
  for (uint64_t i = 0; i < top; ++i) sum += counts[i];
  return sum;
}

uint64_t ceil_fraction(uint64_t n, double fraction) {
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(static_cast<double>(n) * fraction)));
}

}  // namespace

void SampleSummarizer::add(const Op& op) {
  ++total_;
  ++by_type_[static_cast<size_t>(op.type)];
  ++per_key_[op.key_id];
  if (op.value_size > 0) {
    ++sized_;
    size_sum_ += op.value_size;
    size_min_ = std::min(size_min_, op.value_size);
    size_max_ = std::max(size_max_, op.value_size);
    ++size_log2_[std::bit_width(op.value_size)];
  }
}

SampleSummary SampleSummarizer::finish(uint64_t key_count) const {
  SampleSummary s;
  s.total_ops = total_;
  s.ops_by_type = by_type_;
  s.key_count = key_count;
  s.distinct_keys = per_key_.size();
  if (total_ > 0) {
    std::vector<uint64_t> counts;
    counts.reserve(per_key_.size());
    for (const auto& [key, count] : per_key_) counts.push_back(count);
    const uint64_t space = std::max<uint64_t>(key_count, 1);
    const auto total = static_cast<double>(total_);
    s.hottest_10pct_share = static_cast<double>(top_sum(counts, ceil_fraction(space, 0.10))) / total;
    s.hottest_1pct_share = static_cast<double>(top_sum(counts, ceil_fraction(space, 0.01))) / total;
  }
  s.sized_ops = sized_;
  if (sized_ > 0) {
    s.value_size_min = size_min_;
    s.value_size_max = size_max_;
    s.value_size_mean = static_cast<double>(size_sum_) / static_cast<double>(sized_);
    for (int b = static_cast<int>(std::bit_width(size_min_)); b <= static_cast<int>(std::bit_width(size_max_)); ++b) {
      SizeHistogramBucket bucket;
      bucket.lo = uint32_t{1} << (b - 1);
      bucket.hi = b == 32 ? UINT32_MAX : (uint32_t{1} << b) - 1;
      bucket.count = size_log2_[b];
      s.value_size_histogram.push_back(bucket);
    }
  }
  return s;
}

SampleSummary summarize(std::span<const Op> ops, uint64_t key_count) {
  SampleSummarizer summarizer;
  for (const Op& op : ops) summarizer.add(op);
  return summarizer.finish(key_count);
}

nlohmann::json to_json(const SampleSummary& s) {
  nlohmann::json ops = nlohmann::json::object();
  for (int i = 0; i < kOpTypeCount; ++i) ops[std::string(op_name(static_cast<OpType>(i)))] = s.ops_by_type[i];
  nlohmann::json histogram = nlohmann::json::array();
  for (const auto& b : s.value_size_histogram) {
    histogram.push_back({{"lo_bytes", b.lo}, {"hi_bytes", b.hi}, {"count", b.count}});
  }
  return {{"total_ops", s.total_ops},
          {"ops", ops},
          {"key_count", s.key_count},
          {"distinct_keys", s.distinct_keys},
          {"hottest_1pct_share", s.hottest_1pct_share},
          {"hottest_10pct_share", s.hottest_10pct_share},
          {"value_size",
           {{"count", s.sized_ops},
            {"min_bytes", s.value_size_min},
            {"max_bytes", s.value_size_max},
            {"mean_bytes", s.value_size_mean},
            {"histogram", histogram}}}};
}

std::string to_text(const SampleSummary& s) {
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "ops: %llu (", static_cast<unsigned long long>(s.total_ops));
  out += line;
  bool first = true;
  for (int i = 0; i < kOpTypeCount; ++i) {
    if (s.ops_by_type[i] == 0) continue;
    const double pct =
        s.total_ops ? 100.0 * static_cast<double>(s.ops_by_type[i]) / static_cast<double>(s.total_ops) : 0;
    std::snprintf(line, sizeof line, "%s%s %llu = %.1f%%", first ? "" : ", ",
                  std::string(op_name(static_cast<OpType>(i))).c_str(),
                  static_cast<unsigned long long>(s.ops_by_type[i]), pct);
    out += line;
    first = false;
  }
  out += ")\n";
  std::snprintf(line, sizeof line,
                "keys: %llu distinct of %llu; hottest 1%% of keys get %.1f%% of ops, hottest 10%% get %.1f%%\n",
                static_cast<unsigned long long>(s.distinct_keys), static_cast<unsigned long long>(s.key_count),
                100.0 * s.hottest_1pct_share, 100.0 * s.hottest_10pct_share);
  out += line;
  if (s.sized_ops == 0) {
    out += "value sizes: no writes\n";
    return out;
  }
  std::snprintf(line, sizeof line, "value sizes over %llu writes: min %u, mean %.1f, max %u bytes\n",
                static_cast<unsigned long long>(s.sized_ops), s.value_size_min, s.value_size_mean, s.value_size_max);
  out += line;
  for (const auto& b : s.value_size_histogram) {
    std::snprintf(line, sizeof line, "  [%u, %u] bytes: %llu (%.1f%%)\n", b.lo, b.hi,
                  static_cast<unsigned long long>(b.count),
                  100.0 * static_cast<double>(b.count) / static_cast<double>(s.sized_ops));
    out += line;
  }
  return out;
}

}  // namespace rpbench::workloads
