// The mempool-offload snapshot outlives the process: one rpbench process loads and snapshots into
// a standalone memory node and exits; a second, fresh one maps the pool back at the same address,
// recovers and verifies against the digest stored with the snapshot. A second process that
// configures another pool base is refused by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/engines/rpbench_process.h"
#include "tests/transport/transport_bed.h"

namespace rpbench::mempool {
namespace {

using rpbench::testing::read_json;
using rpbench::testing::run_rpbench;
using rpbench::testing::TempDir;
using ::testing::HasSubstr;
using transport::testing::TestNode;
using transport::testing::transport_bed;

TEST(MempoolTools, AFreshRpbenchProcessMapsThePoolBackAndVerifiesWhatAnotherSnapshotted) {
  const char* rpbench = std::getenv("RPBENCH");
  if (rpbench == nullptr) GTEST_SKIP() << "$RPBENCH does not name the rpbench binary (ctest sets it)";
  TestNode node(transport_bed("tcp"), 64 << 20);
  TempDir dir;
  nlohmann::json base = {{"seed", 7},
                         {"engine", {{"type", "mempool-offload"}, {"pool_bytes", 128 << 20}, {"chunk_bytes", 1 << 20}}},
                         {"transport", {{"type", "tcp"}, {"memnode", node.endpoint()}, {"channels", 2}}},
                         {"dataset", {{"keys", 5000}, {"value_size", {{"dist", "fixed"}, {"size", 100}}}}}};
  nlohmann::json write = base;
  write["name"] = "write";
  write["phases"] = {{{"type", "load"}}, {{"type", "snapshot"}}};
  ASSERT_EQ(run_rpbench(rpbench, write, dir, "write", node.token()), 0);
  const nlohmann::json w = read_json(dir.file("write-result.json"));
  std::string digest;
  for (const auto& p : w["phases"])
    if (p.contains("snapshots"))
      for (const auto& s : p["snapshots"]) digest = s["digest"].get<std::string>();
  ASSERT_FALSE(digest.empty()) << w.dump(2);

  nlohmann::json read = base;
  read["name"] = "read";
  read["phases"] = {{{"type", "recover"}}, {{"type", "verify"}}};
  ASSERT_EQ(run_rpbench(rpbench, read, dir, "read", node.token()), 0);
  const nlohmann::json r = read_json(dir.file("read-result.json"));
  const nlohmann::json& v = r["phases"][1]["verify"];
  EXPECT_TRUE(v["ok"].get<bool>()) << v.dump(2);
  EXPECT_EQ(v["expected_from"], "recovered_file");
  EXPECT_EQ(v["expected_digest"], digest);
  EXPECT_EQ(v["actual_digest"], digest);
  EXPECT_EQ(r["phases"][0]["recovery"]["keys"], 5000) << r["phases"][0].dump(2);

  nlohmann::json moved = read;
  moved["name"] = "moved";
  moved["engine"]["pool_base"] = 0x510000000000;
  EXPECT_EQ(run_rpbench(rpbench, moved, dir, "moved", node.token()), 1);
}

}  // namespace
}  // namespace rpbench::mempool
