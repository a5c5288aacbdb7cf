// The result writer: unknown figures are null, never zero; files appear atomically.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/result.h"
#include "harness/result_io.h"

namespace rpbench {
namespace {

TEST(Result, UnknownSnapshotFiguresAreNull) {
  SnapshotRecord s;
  s.engine = "x";
  const auto j = to_json(s);
  EXPECT_TRUE(j["fork_us"].is_null());
  EXPECT_TRUE(j["bytes"].is_null());
  EXPECT_TRUE(j["cow_bytes"].is_null());
  EXPECT_TRUE(j["mb_per_s"].is_null());
  EXPECT_TRUE(j["error"].is_null());
  s.report.bytes = 2'000'000;
  s.report.child_duration_ms = 1000;
  EXPECT_DOUBLE_EQ(to_json(s)["mb_per_s"].get<double>(), 2.0);
}

TEST(Result, DocumentShape) {
  Result r;
  PhaseResult p;
  p.name = p.type = "run";
  p.measures_ops = true;
  p.split_by_snapshot = true;
  p.ops = 3;
  p.duration_s = 1.5;
  for (uint64_t v : {100, 200, 300}) p.all.record(v);
  r.phases.push_back(std::move(p));
  const auto j = to_json(r);
  EXPECT_EQ(j["schema_version"], kResultSchemaVersion);
  EXPECT_EQ(j["kind"], "experiment");
  EXPECT_DOUBLE_EQ(j["phases"][0]["ops_per_s"].get<double>(), 2.0);
  EXPECT_EQ(j["phases"][0]["latency"]["all"]["count"], 3);
  EXPECT_EQ(j["phases"][0]["latency"]["during_snapshot"]["count"], 0);
  EXPECT_TRUE(j["phases"][0]["latency"]["during_snapshot"]["p99_ns"].is_null());
  EXPECT_TRUE(j["recovery"].is_null());
}

TEST(ResultIo, WritesAtomicallyAndCreatesDirectories) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "rpbench_result_io" / "nested";
  fs::remove_all(dir.parent_path());
  const std::string path = (dir / "r.json").string();
  write_json_atomic(path, {{"a", 1}});
  write_json_atomic(path, {{"a", 2}});
  std::ifstream in(path);
  EXPECT_EQ(nlohmann::json::parse(in)["a"], 2);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);  // no temporary left behind
  EXPECT_THROW(write_json_atomic("/proc/rpbench-cannot-write/r.json", {{"a", 1}}), std::runtime_error);
  fs::remove_all(dir.parent_path());
}

}  // namespace
}  // namespace rpbench
