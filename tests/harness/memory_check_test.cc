// The memory pre-flight check: what the estimate counts, and when it refuses.
#include "harness/memory_check.h"

#include <gtest/gtest.h>

#include "harness/config/loader.h"

namespace rpbench {
namespace {

ExperimentConfig experiment(const nlohmann::json& cfg) { return make_experiment(config::resolve_config(cfg)); }

TEST(MemoryCheck, CountsTheDatasetTheForksCopyTheWarmupAndTheNodesRegion) {
  const nlohmann::json base = {{"dataset", {{"keys", 1000000}, {"value_size", {{"dist", "fixed"}, {"size", 100}}}}}};
  const MemoryEstimate plain = estimate_memory(experiment(base));
  EXPECT_EQ(plain.dataset_bytes, estimated_dataset_bytes(experiment(base)));
  EXPECT_EQ(plain.snapshot_copy_bytes, 0u);
  EXPECT_EQ(plain.memnode_bytes, 0u);

  nlohmann::json fork = base;
  fork["engine"] = {{"type", "rdb-fork"}, {"dir", "/tmp"}};
  fork["phases"] = {{{"type", "load"}}, {{"type", "snapshot"}}};
  const MemoryEstimate f = estimate_memory(experiment(fork));
  EXPECT_EQ(f.snapshot_copy_bytes, f.dataset_bytes) << "a fork's copy-on-write can reach the whole store";

  nlohmann::json warm = base;
  warm["measure"] = {{"memory_warmup", true}, {"memory_warmup_bytes", 1 << 30}};
  EXPECT_EQ(estimate_memory(experiment(warm)).warmup_bytes, 1u << 30);
}

TEST(MemoryCheck, RefusesWithBothFiguresUnlessAllowed) {
  MemoryEstimate e;
  e.dataset_bytes = 10ull << 30;
  e.available_bytes = 1ll << 30;
  const Status s = check_memory(e, false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kResourceExhausted);
  EXPECT_NE(s.message().find("10240 MiB"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("1024 MiB available"), std::string::npos) << s.message();
  EXPECT_TRUE(check_memory(e, true).ok());
  e.available_bytes = 20ll << 30;
  EXPECT_TRUE(check_memory(e, false).ok());
  e.available_bytes.reset();
  EXPECT_TRUE(check_memory(e, false).ok()) << "no MemAvailable: the check cannot judge";
  EXPECT_EQ(e.to_json()["total_bytes"], 10ull << 30);
}

}  // namespace
}  // namespace rpbench
