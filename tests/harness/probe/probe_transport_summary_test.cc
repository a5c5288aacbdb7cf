// The transport probe's summary (probe_transport_summary.h) on made-up rows, no transport
// involved: the target is judged on the fewest channels and the deepest queue swept, never on the
// best configuration; the median is over sizes >= 1 MiB; a link model or a foreign node leaves the
// target unjudged with a note; and the result's JSON (probe_transport_json.h) carries it.
#include <gtest/gtest.h>

#include <vector>

#include "harness/probe/probe_transport_json.h"
#include "harness/probe/probe_transport_summary.h"

namespace rpbench::probe {
namespace {

using transport::Op;

BandwidthRow row(Op op, uint64_t size, int channels, int qd, double gb_per_s, double base) {
  BandwidthRow r;
  r.point.op = op;
  r.point.size_bytes = size;
  r.point.channels = channels;
  r.point.queue_depth = qd;
  r.point.seconds = 1;
  r.point.bytes = static_cast<uint64_t>(gb_per_s * 1e9);
  r.point.transfers = r.point.bytes / size;
  r.baseline_gb_per_s = base;
  r.ratio_to_baseline = r.point.gb_per_s() / base;
  return r;
}

TEST(ProbeTransportSummary, JudgesTheFixedConfigurationNotTheBest) {
  constexpr uint64_t k4K = 4 << 10, k1M = 1 << 20, k4M = 4 << 20;
  const std::vector<BandwidthRow> rows = {
      row(Op::kWrite, k4K, 1, 8, 1, 10), row(Op::kWrite, k4K, 2, 8, 9, 10),  // 2 channels: best, not judged
      row(Op::kWrite, k1M, 1, 1, 2, 10), row(Op::kWrite, k1M, 1, 8, 7, 10), row(Op::kWrite, k1M, 2, 8, 9.5, 10),
      row(Op::kWrite, k4M, 1, 8, 9, 10), row(Op::kRead, k1M, 1, 8, 5, 10),
  };
  const std::vector<OpSummary> s = summarise("shm", {Op::kWrite, Op::kRead}, rows, "");
  ASSERT_EQ(s.size(), 2u);
  const OpSummary& w = s[0];
  EXPECT_EQ(w.judged_channels, 1);
  EXPECT_EQ(w.judged_queue_depth, 8);
  ASSERT_EQ(w.best_per_size.size(), 3u);
  EXPECT_EQ(w.best_per_size[1].channels, 2) << "the best at 1M is the 2-channel point";
  ASSERT_TRUE(w.median_ratio_min_1mib);
  EXPECT_NEAR(*w.median_ratio_min_1mib, (0.7 + 0.9) / 2, 1e-9) << "1M and 4M at 1 channel, queue depth 8";
  EXPECT_EQ(w.largest_size_bytes, k4M);
  EXPECT_NEAR(*w.ratio_at_largest_size, 0.9, 1e-9);
  EXPECT_DOUBLE_EQ(*w.target_ratio, 0.80);
  EXPECT_TRUE(*w.target_met);
  EXPECT_FALSE(w.target_note);
  const OpSummary& r = s[1];
  EXPECT_FALSE(r.target_ratio) << "reads have no target";
  EXPECT_FALSE(r.target_met);
}

TEST(ProbeTransportSummary, ALinkModelLeavesTheTargetUnjudgedWithANote) {
  const std::vector<BandwidthRow> rows = {row(Op::kWrite, 1 << 20, 1, 8, 1, 10)};
  const std::vector<OpSummary> s = summarise("shm", {Op::kWrite}, rows, "the shm link model shapes it");
  EXPECT_FALSE(s[0].target_ratio);
  EXPECT_FALSE(s[0].target_met);
  ASSERT_TRUE(s[0].target_note);
  EXPECT_EQ(*s[0].target_note, "target not judged: the shm link model shapes it");
  EXPECT_FALSE(summarise("verbs", {Op::kWrite}, rows, "")[0].target_ratio) << "verbs has no target";
}

TEST(ProbeTransportSummary, TheJsonCarriesUnknownFiguresAsNull) {
  TransportProbeResult result;
  result.transport.type = "verbs";
  result.baseline_reason = "verbs has no local baseline";
  BandwidthRow r = row(Op::kWrite, 4096, 1, 1, 1, 1);
  r.baseline_gb_per_s.reset();
  r.ratio_to_baseline.reset();
  result.bandwidth.push_back(r);
  result.summary = summarise("verbs", {Op::kWrite}, result.bandwidth, "");
  const nlohmann::json j = transport_probe_json(result);
  EXPECT_TRUE(j["baseline"].is_null());
  EXPECT_EQ(j["baseline_reason"], "verbs has no local baseline");
  EXPECT_TRUE(j["transport"]["link_model"].is_null());
  EXPECT_TRUE(j["bandwidth"][0]["ratio_to_baseline"].is_null());
  EXPECT_EQ(j["bandwidth"][0]["op"], "write");
  EXPECT_TRUE(j["summary"][0]["target_met"].is_null());
  EXPECT_TRUE(j["summary"][0]["median_ratio_min_1mib"].is_null());
  EXPECT_EQ(j["summary"][0]["largest_size_bytes"], 4096);
}

}  // namespace
}  // namespace rpbench::probe
