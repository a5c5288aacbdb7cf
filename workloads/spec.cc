#include "workloads/spec.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rpbench::workloads {
namespace {

std::string fmt(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  throw std::invalid_argument(field + ": " + what);
}

std::string join(const std::vector<std::string_view>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool uses_theta(const std::string& dist) {
  return dist == "zipfian" || dist == "scrambled-zipfian" || dist == "latest";
}

void check_value_size(const uint32_t v, const std::string& field) {
  if (v < 1 || v > kMaxValueSize) {
    fail(field, std::to_string(v) + " is out of range [1, " + std::to_string(kMaxValueSize) + "]");
  }
}

void check_keys(const KeySpec& keys) {
  const auto names = key_distributions();
  if (std::find(names.begin(), names.end(), keys.dist) == names.end()) {
    fail("keys.dist", "unknown distribution \"" + keys.dist + "\" (expected one of: " + join(names) + ")");
  }
  if (uses_theta(keys.dist) && !(keys.theta > 0.0 && keys.theta <= kMaxTheta)) {
    fail("keys.theta", fmt(keys.theta) + " is out of range (0, " + fmt(kMaxTheta) + "]");
  }
  if (keys.dist == "hotspot") {
    if (!(keys.hot_key_fraction > 0.0 && keys.hot_key_fraction <= 1.0)) {
      fail("keys.hot_key_fraction", fmt(keys.hot_key_fraction) + " is out of range (0, 1]");
    }
    if (!(keys.hot_op_fraction >= 0.0 && keys.hot_op_fraction <= 1.0)) {
      fail("keys.hot_op_fraction", fmt(keys.hot_op_fraction) + " is out of range [0, 1]");
    }
  }
}

void check_values(const ValueSizeSpec& vs) {
  const auto names = value_distributions();
  if (std::find(names.begin(), names.end(), vs.dist) == names.end()) {
    fail("value_size.dist", "unknown distribution \"" + vs.dist + "\" (expected one of: " + join(names) + ")");
  }
  if (vs.dist == "fixed") {
    check_value_size(vs.size, "value_size.size");
  } else if (vs.dist == "uniform") {
    check_value_size(vs.min, "value_size.min");
    check_value_size(vs.max, "value_size.max");
    if (vs.min > vs.max) {
      fail("value_size", "min " + std::to_string(vs.min) + " > max " + std::to_string(vs.max));
    }
  } else {
    if (vs.buckets.empty()) fail("value_size.buckets", "empty (give at least one [lo, hi, weight])");
    if (vs.buckets.size() > kMaxSizeBuckets) {
      fail("value_size.buckets",
           std::to_string(vs.buckets.size()) + " buckets, at most " + std::to_string(kMaxSizeBuckets));
    }
    double total = 0;
    for (size_t i = 0; i < vs.buckets.size(); ++i) {
      const auto& b = vs.buckets[i];
      const std::string field = "value_size.buckets[" + std::to_string(i) + "]";
      check_value_size(b.lo, field + ".lo");
      check_value_size(b.hi, field + ".hi");
      if (b.lo > b.hi) fail(field, "lo " + std::to_string(b.lo) + " > hi " + std::to_string(b.hi));
      if (!(b.weight >= 0.0 && std::isfinite(b.weight))) {
        fail(field + ".weight", fmt(b.weight) + " must be a finite number >= 0");
      }
      total += b.weight;
    }
    if (!(total > 0.0)) fail("value_size.buckets", "weights sum to 0");
  }
}

}  // namespace

std::string mix_problem(const MixSpec& mix) {
  const std::pair<const char*, double> parts[] = {
      {"read", mix.read}, {"update", mix.update}, {"insert", mix.insert}, {"delete", mix.del}, {"rmw", mix.rmw}};
  double sum = 0;
  std::string terms;
  for (const auto& [name, v] : parts) {
    if (!(v >= 0.0 && v <= 1.0)) return std::string("mix.") + name + ": " + fmt(v) + " is out of range [0, 1]";
    sum += v;
    terms += (terms.empty() ? "" : " + ") + std::string(name) + " " + fmt(v);
  }
  if (std::fabs(sum - 1.0) > kMixTolerance) return "mix: ratios sum to " + fmt(sum) + ", expected 1 (" + terms + ")";
  return "";
}

std::vector<std::string_view> key_distributions() {
  return {"uniform", "sequential", "zipfian", "scrambled-zipfian", "hotspot", "latest"};
}

std::vector<std::string_view> value_distributions() { return {"fixed", "uniform", "buckets"}; }

void check_spec(const WorkloadSpec& spec) {
  if (const std::string p = mix_problem(spec.mix); !p.empty()) throw std::invalid_argument(p);
  if (spec.key_count > kMaxKeyCount) {
    fail("key_count", std::to_string(spec.key_count) + " exceeds the maximum " + std::to_string(kMaxKeyCount));
  }
  const MixSpec& m = spec.mix;
  if (spec.key_count == 0 && m.read + m.update + m.del + m.rmw > 0.0) {
    fail("key_count", "0 keys: only an insert-only mix can start from an empty key space");
  }
  if (spec.key_size < kMinKeySize || spec.key_size > kMaxKeySize) {
    fail("key_size", std::to_string(spec.key_size) + " is out of range [" + std::to_string(kMinKeySize) + ", " +
                         std::to_string(kMaxKeySize) + "] (keys are distinct from " + std::to_string(kMinKeySize) +
                         " bytes on)");
  }
  check_keys(spec.keys);
  check_values(spec.value_size);
}

}  // namespace rpbench::workloads
