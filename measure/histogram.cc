#include "measure/histogram.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace rpbench::measure {

namespace {
int checked_bits(int bits) {
  if (bits < BucketLayout::kMinSubBucketBits || bits > BucketLayout::kMaxSubBucketBits) {
    throw std::invalid_argument("Histogram: sub_bucket_bits " + std::to_string(bits) + " is outside [" +
                                std::to_string(BucketLayout::kMinSubBucketBits) + ", " +
                                std::to_string(BucketLayout::kMaxSubBucketBits) + "]");
  }
  return bits;
}
}  // namespace

Histogram::Histogram(int sub_bucket_bits)
    : sub_bits_(checked_bits(sub_bucket_bits)), counts_(BucketLayout::count(sub_bits_), 0) {}

void Histogram::merge(const Histogram& other) {
  if (other.sub_bits_ != sub_bits_) {
    throw std::invalid_argument("Histogram::merge: sub_bucket_bits differ (" + std::to_string(sub_bits_) + " vs " +
                                std::to_string(other.sub_bits_) + ")");
  }
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  clamped_ += other.clamped_;
}

double Histogram::mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }

uint64_t Histogram::percentile(double q) const {
  if (!(q >= 0.0 && q <= 100.0)) {
    throw std::invalid_argument("Histogram::percentile: q " + std::to_string(q) + " is outside [0, 100]");
  }
  if (count_ == 0) return 0;
  const uint64_t rank = nearest_rank(q, count_);
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(BucketLayout::upper(i, sub_bits_), max_);
  }
  return max_;  // unreachable: the counts sum to count_
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram::nonzero_buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) out.emplace_back(BucketLayout::upper(i, sub_bits_), counts_[i]);
  }
  return out;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = std::numeric_limits<uint64_t>::max();
  max_ = 0;
  clamped_ = 0;
}

Histogram Histogram::from_json(const nlohmann::json& j, int sub_bucket_bits) {
  Histogram h(sub_bucket_bits);
  const auto bad = [](const std::string& why) { return std::invalid_argument("not a histogram: " + why); };
  if (!j.is_object() || !j.contains("count") || !j["count"].is_number_unsigned() || !j.contains("buckets") ||
      !j["buckets"].is_array())
    throw bad("expected an object with count and buckets");
  uint64_t total = 0;
  for (const auto& b : j["buckets"]) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_unsigned() || !b[1].is_number_unsigned())
      throw bad("a bucket is not [upper_ns, count]");
    const uint64_t upper = b[0].get<uint64_t>(), n = b[1].get<uint64_t>();
    if (upper > BucketLayout::kMaxTrackable) throw bad("bucket bound " + std::to_string(upper) + " out of range");
    const size_t i = BucketLayout::index(upper, sub_bucket_bits);
    if (BucketLayout::upper(i, sub_bucket_bits) != upper)
      throw bad("bucket bound " + std::to_string(upper) + " is not one of this layout's");
    h.counts_[i] += n;
    total += n;
  }
  h.count_ = j["count"].get<uint64_t>();
  if (total != h.count_)
    throw bad("buckets sum to " + std::to_string(total) + ", count is " + std::to_string(h.count_));
  if (h.count_ == 0) return h;
  for (const char* k : {"min_ns", "max_ns", "mean_ns"})
    if (!j.contains(k) || !j[k].is_number() || j[k].get<double>() < 0) throw bad(std::string(k) + " missing");
  h.min_ = j["min_ns"].get<uint64_t>();
  h.max_ = j["max_ns"].get<uint64_t>();
  h.sum_ = static_cast<uint64_t>(std::llround(j["mean_ns"].get<double>() * static_cast<double>(h.count_)));
  return h;
}

nlohmann::json to_json(const Histogram& h) {
  nlohmann::json j;
  j["count"] = h.count();
  if (h.count() == 0) {
    for (const char* k : {"min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns"}) {
      j[k] = nullptr;
    }
    j["buckets"] = nlohmann::json::array();
    return j;
  }
  j["min_ns"] = h.min();
  j["mean_ns"] = h.mean();
  j["p50_ns"] = h.percentile(50);
  j["p90_ns"] = h.percentile(90);
  j["p99_ns"] = h.percentile(99);
  j["p999_ns"] = h.percentile(99.9);
  j["p9999_ns"] = h.percentile(99.99);
  j["max_ns"] = h.max();
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto& [upper, n] : h.nonzero_buckets()) buckets.push_back({upper, n});
  j["buckets"] = std::move(buckets);
  return j;
}

}  // namespace rpbench::measure
