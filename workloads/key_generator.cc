#include "workloads/key_generator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "workloads/permutation.h"
#include "workloads/rng.h"
#include "workloads/zipfian.h"

namespace rpbench::workloads {
namespace {

constexpr uint64_t kTagSample = 0x6b657973;    // "keys"
constexpr uint64_t kTagScramble = 0x73637261;  // "scra"

class UniformGenerator final : public KeyGenerator {
 public:
  UniformGenerator(uint64_t n, uint64_t seed) : KeyGenerator(n), rng_(seed) {}
  uint64_t next() override { return rng_.below(n_); }
  void set_key_count(uint64_t n) override { n_ = n; }
  std::string_view name() const override { return "uniform"; }

 private:
  Rng rng_;
};

class SequentialGenerator final : public KeyGenerator {
 public:
  SequentialGenerator(uint64_t n, uint32_t thread_index, uint32_t thread_count)
      : KeyGenerator(n), pos_(thread_index), stride_(thread_count) {}
  uint64_t next() override {
    if (pos_ >= n_) pos_ %= n_;
    const uint64_t item = pos_;
    pos_ += stride_;
    return item;
  }
  void set_key_count(uint64_t n) override { n_ = n; }
  std::string_view name() const override { return "sequential"; }

 private:
  uint64_t pos_;
  uint64_t stride_;
};

class ZipfianGenerator final : public KeyGenerator {
 public:
  ZipfianGenerator(uint64_t n, double theta, uint64_t seed)
      : KeyGenerator(n), sampler_(std::max<uint64_t>(n, 1), theta), rng_(seed) {}
  uint64_t next() override { return sampler_.sample(rng_); }
  void set_key_count(uint64_t n) override {
    n_ = n;
    sampler_.set_n(std::max<uint64_t>(n, 1));
  }
  std::string_view name() const override { return "zipfian"; }

 private:
  ZipfianSampler sampler_;
  Rng rng_;
};

// Zipfian ranks; rank r < the initial key count lives at key perm(r). Keys inserted later keep
// their place (they are the least popular ranks, as they come last).
class ScrambledZipfianGenerator final : public KeyGenerator {
 public:
  ScrambledZipfianGenerator(uint64_t n, double theta, uint64_t seed, uint64_t scramble_key)
      : KeyGenerator(n, true), sampler_(std::max<uint64_t>(n, 1), theta), rng_(seed), perm_(n, scramble_key) {}
  uint64_t next() override { return sampler_.sample(rng_); }
  uint64_t scramble(uint64_t item) const override { return item < perm_.n() ? perm_(item) : item; }
  void set_key_count(uint64_t n) override {
    n_ = n;
    sampler_.set_n(std::max<uint64_t>(n, 1));
  }
  std::string_view name() const override { return "scrambled-zipfian"; }

 private:
  ZipfianSampler sampler_;
  Rng rng_;
  KeyedPermutation perm_;
};

// YCSB's HotspotIntegerGenerator: hot_op_fraction of the draws uniform over the first
// hot_key_fraction of the items, the rest uniform over the others.
class HotspotGenerator final : public KeyGenerator {
 public:
  HotspotGenerator(uint64_t n, double hot_key_fraction, double hot_op_fraction, uint64_t seed)
      : KeyGenerator(n), hot_key_fraction_(hot_key_fraction), hot_op_fraction_(hot_op_fraction), rng_(seed) {
    set_key_count(n);
  }
  uint64_t next() override {
    const bool hot = rng_.next_double() < hot_op_fraction_;
    if (hot || hot_n_ == n_) return rng_.below(hot_n_);
    return hot_n_ + rng_.below(n_ - hot_n_);
  }
  void set_key_count(uint64_t n) override {
    n_ = n;
    const auto hot = static_cast<uint64_t>(std::floor(static_cast<double>(n) * hot_key_fraction_));
    hot_n_ = std::clamp<uint64_t>(hot, 1, std::max<uint64_t>(n, 1));
  }
  std::string_view name() const override { return "hotspot"; }

 private:
  double hot_key_fraction_;
  double hot_op_fraction_;
  uint64_t hot_n_ = 1;
  Rng rng_;
};

// YCSB's SkewedLatestGenerator: zipfian over recency, the newest item (n - 1) the most popular.
class LatestGenerator final : public KeyGenerator {
 public:
  LatestGenerator(uint64_t n, double theta, uint64_t seed)
      : KeyGenerator(n), sampler_(std::max<uint64_t>(n, 1), theta), rng_(seed) {}
  uint64_t next() override { return n_ - 1 - sampler_.sample(rng_); }
  void set_key_count(uint64_t n) override {
    n_ = n;
    sampler_.set_n(std::max<uint64_t>(n, 1));
  }
  std::string_view name() const override { return "latest"; }

 private:
  ZipfianSampler sampler_;
  Rng rng_;
};

}  // namespace

std::unique_ptr<KeyGenerator> make_key_generator(const KeySpec& spec, uint64_t key_count, uint64_t seed,
                                                 uint32_t thread_index, uint32_t thread_count) {
  if (thread_count == 0 || thread_index >= thread_count) {
    throw std::invalid_argument("key generator: thread_index " + std::to_string(thread_index) +
                                " out of range for thread_count " + std::to_string(thread_count));
  }
  const uint64_t sample_seed = derive_seed(seed, kTagSample, thread_index);
  const auto& d = spec.dist;
  if (d == "uniform") return std::make_unique<UniformGenerator>(key_count, sample_seed);
  if (d == "sequential") return std::make_unique<SequentialGenerator>(key_count, thread_index, thread_count);
  if (d == "zipfian" || d == "scrambled-zipfian" || d == "latest") {
    if (!(spec.theta > 0.0 && spec.theta <= kMaxTheta)) {
      throw std::invalid_argument("keys.theta: " + std::to_string(spec.theta) + " is out of range (0, 3]");
    }
    if (d == "zipfian") return std::make_unique<ZipfianGenerator>(key_count, spec.theta, sample_seed);
    if (d == "latest") return std::make_unique<LatestGenerator>(key_count, spec.theta, sample_seed);
    return std::make_unique<ScrambledZipfianGenerator>(key_count, spec.theta, sample_seed,
                                                       derive_seed(seed, kTagScramble));
  }
  if (d == "hotspot") {
    if (!(spec.hot_key_fraction > 0.0 && spec.hot_key_fraction <= 1.0)) {
      throw std::invalid_argument("keys.hot_key_fraction: " + std::to_string(spec.hot_key_fraction) +
                                  " is out of range (0, 1]");
    }
    if (!(spec.hot_op_fraction >= 0.0 && spec.hot_op_fraction <= 1.0)) {
      throw std::invalid_argument("keys.hot_op_fraction: " + std::to_string(spec.hot_op_fraction) +
                                  " is out of range [0, 1]");
    }
    return std::make_unique<HotspotGenerator>(key_count, spec.hot_key_fraction, spec.hot_op_fraction, sample_seed);
  }
  throw std::invalid_argument("keys.dist: unknown distribution \"" + d + "\"");
}

}  // namespace rpbench::workloads
