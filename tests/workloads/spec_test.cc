// check_spec: accepts what the generators serve, rejects the rest naming the field.
#include "workloads/spec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "workloads/op.h"

namespace rpbench::workloads {
namespace {

WorkloadSpec good() {
  WorkloadSpec s;
  s.key_count = 1000;
  s.mix = {0.75, 0.25, 0, 0, 0};
  return s;
}

// The message check_spec throws for good() changed by `edit`, or "" if it accepts.
std::string message(const std::function<void(WorkloadSpec&)>& edit) {
  WorkloadSpec s = good();
  edit(s);
  try {
    check_spec(s);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

void expect_rejected(const std::function<void(WorkloadSpec&)>& edit, const std::string& needle) {
  const std::string msg = message(edit);
  EXPECT_NE(msg.find(needle), std::string::npos) << "expected \"" << needle << "\" in \"" << msg << "\"";
}

TEST(Spec, AcceptsGoodSpecs) {
  EXPECT_NO_THROW(check_spec(good()));
  for (const auto& dist : key_distributions()) {
    EXPECT_EQ(message([&](WorkloadSpec& s) { s.keys.dist = std::string(dist); }), "") << dist;
  }
  EXPECT_EQ(message([](WorkloadSpec& s) { s.keys.theta = 1.0; }), "");
  EXPECT_EQ(message([](WorkloadSpec& s) { s.keys.theta = 3.0; }), "");
  // theta does not matter for uniform.
  EXPECT_EQ(message([](WorkloadSpec& s) {
              s.keys.dist = "uniform";
              s.keys.theta = 0;
            }),
            "");
  EXPECT_EQ(message([](WorkloadSpec& s) {
              s.key_count = 0;
              s.mix = {0, 0, 1, 0, 0};
            }),
            "");
  EXPECT_EQ(message([](WorkloadSpec& s) {
              s.value_size.dist = "buckets";
              s.value_size.buckets = {{80, 128, 7}, {129, 256, 2}, {257, 1024, 1}};
            }),
            "");
  EXPECT_EQ(message([](WorkloadSpec& s) { s.mix = {0.2, 0.2, 0.2, 0.2, 0.2}; }), "");
}

TEST(Spec, RejectsBadSpecsNamingTheField) {
  expect_rejected([](WorkloadSpec& s) { s.mix.read = 0.65; }, "mix: ratios sum to 0.9, expected 1");
  expect_rejected([](WorkloadSpec& s) { s.mix.update = -0.25; }, "mix.update");
  expect_rejected([](WorkloadSpec& s) { s.mix.rmw = std::nan(""); }, "mix.rmw");
  expect_rejected([](WorkloadSpec& s) { s.keys.dist = "gaussian"; }, "keys.dist");
  expect_rejected([](WorkloadSpec& s) { s.keys.theta = 0; }, "keys.theta");
  expect_rejected([](WorkloadSpec& s) { s.keys.theta = 3.5; }, "keys.theta");
  expect_rejected([](WorkloadSpec& s) { s.keys.theta = std::nan(""); }, "keys.theta");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.keys.dist = "latest";
        s.keys.theta = -1;
      },
      "keys.theta");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.keys.dist = "hotspot";
        s.keys.hot_key_fraction = 0;
      },
      "keys.hot_key_fraction");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.keys.dist = "hotspot";
        s.keys.hot_op_fraction = 1.5;
      },
      "keys.hot_op_fraction");
  expect_rejected([](WorkloadSpec& s) { s.key_count = 0; }, "key_count");
  expect_rejected([](WorkloadSpec& s) { s.key_count = kMaxKeyCount + 1; }, "key_count");
  expect_rejected([](WorkloadSpec& s) { s.key_size = 8; }, "key_size");
  expect_rejected([](WorkloadSpec& s) { s.key_size = kMaxKeySize + 1; }, "key_size");
  expect_rejected([](WorkloadSpec& s) { s.value_size.dist = "normal"; }, "value_size.dist");
  expect_rejected([](WorkloadSpec& s) { s.value_size.size = 0; }, "value_size.size");
  expect_rejected([](WorkloadSpec& s) { s.value_size.size = kMaxValueSize + 1; }, "value_size.size");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.value_size.dist = "uniform";
        s.value_size.min = 50;
        s.value_size.max = 10;
      },
      "value_size: min 50 > max 10");
  expect_rejected([](WorkloadSpec& s) { s.value_size.dist = "buckets"; }, "value_size.buckets");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.value_size.dist = "buckets";
        s.value_size.buckets = {{80, 128, 0.7}, {300, 200, 0.3}};
      },
      "value_size.buckets[1]: lo 300 > hi 200");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.value_size.dist = "buckets";
        s.value_size.buckets = {{80, 128, -1}};
      },
      "value_size.buckets[0].weight");
  expect_rejected(
      [](WorkloadSpec& s) {
        s.value_size.dist = "buckets";
        s.value_size.buckets = {{80, 128, 0}, {129, 256, 0}};
      },
      "value_size.buckets: weights sum to 0");
}

TEST(Spec, NamesListEveryDistribution) {
  EXPECT_EQ(key_distributions().size(), 6u);
  EXPECT_EQ(value_distributions().size(), 3u);
}

TEST(Op, NamesRoundTrip) {
  for (int i = 0; i < kOpTypeCount; ++i) {
    const auto type = static_cast<OpType>(i);
    EXPECT_EQ(op_from_name(op_name(type)), type);
  }
  EXPECT_EQ(op_name(OpType::kReadModifyWrite), "rmw");
  EXPECT_EQ(op_name(OpType::kDelete), "delete");
  EXPECT_FALSE(op_from_name("scan").has_value());
}

}  // namespace
}  // namespace rpbench::workloads
