// measure.memory_limit: finding a cgroup v2 memory controller (from mountinfo files made here),
// and the rpbench binary run under a limit: where cgroup v2 has a memory controller the limit is
// applied and enforced (a run that does not fit is killed, one that fits reports its peak);
// where it has none the run goes on and its result says why. RPBENCH_REQUIRE_CGROUP=1 (the
// Soft-RoCE VM, which mounts cgroup v2 first) makes a missing controller a failure.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/unique_fd.h"
#include "harness/memory_cgroup.h"
#include "tests/engines/test_util.h"

extern char** environ;

namespace rpbench {
namespace {

using testing::TempDir;

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(FindCgroup2MemoryRoot, SaysWhyWhenThereIsNoUsableMemoryController) {
  TempDir d;
  const std::string self = d.file("cgroup");
  write(self, "4:memory:/a\n0::/\n");
  write(d.file("v1"), "30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
  StatusOr<std::string> r = find_cgroup2_memory_root(d.file("v1"), self);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no cgroup v2 file system is mounted");

  const std::string unified = d.file("unified");
  ::mkdir(unified.c_str(), 0755);
  write(unified + "/cgroup.controllers", "cpu io pids\n");
  write(d.file("v2"), "30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n31 25 0:27 / " + unified +
                          " rw,nosuid shared:9 - cgroup2 cgroup2 rw\n");
  r = find_cgroup2_memory_root(d.file("v2"), self);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has no memory controller"), std::string::npos) << r.status().message();

  write(unified + "/cgroup.controllers", "cpu io memory pids\n");
  r = find_cgroup2_memory_root(d.file("v2"), self);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, unified);

  write(self, "4:memory:/a\n");  // a process outside any v2 hierarchy
  r = find_cgroup2_memory_root(d.file("v2"), self);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no cgroup v2 path"), std::string::npos) << r.status().message();
}

struct RunOutcome {
  int status = -1;  // the raw wait status
  nlohmann::json result;
  std::string err;
};

RunOutcome run_rpbench(const nlohmann::json& config, const TempDir& d, const std::string& name) {
  const char* rpbench = std::getenv("RPBENCH");
  const std::string cfg = d.file(name + ".json"), out = d.file(name + "-result.json"), err = d.file(name + ".err");
  std::ofstream(cfg) << config.dump(2);
  UniqueFd err_fd(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  SpawnOptions so;
  so.path = rpbench;
  so.args = {rpbench, "run", cfg, "-o", out, "--quiet"};
  for (char** e = environ; *e != nullptr; ++e) so.env.emplace_back(*e);
  so.stderr_fd = err_fd.get();
  RunOutcome r;
  auto child = ChildProcess::spawn(so);
  if (!child.ok()) return r;
  r.status = child->wait_for(std::chrono::seconds(300)).value_or(-1);
  std::ifstream e(err);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::ifstream in(out);
  if (in) r.result = nlohmann::json::parse(in, nullptr, false);
  return r;
}

nlohmann::json memory_config(uint64_t keys, uint64_t value_bytes) {
  return {{"name", "limited"},
          {"engine", {{"type", "memory"}}},
          {"dataset", {{"keys", keys}, {"value_size", {{"dist", "fixed"}, {"size", value_bytes}}}}},
          {"phases", {{{"type", "load"}}, {{"type", "run"}, {"ops", 20000}}}}};
}

class MemoryLimitRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::getenv("RPBENCH") == nullptr) GTEST_SKIP() << "$RPBENCH does not name the rpbench binary (ctest sets it)";
    root_ = find_cgroup2_memory_root();
    if (std::getenv("RPBENCH_REQUIRE_CGROUP") != nullptr) {
      ASSERT_TRUE(root_.ok()) << "RPBENCH_REQUIRE_CGROUP is set: " << root_.status().message();
    }
  }
  StatusOr<std::string> root_ = Status::NotFound("");
  TempDir dir_;
};

TEST_F(MemoryLimitRun, AFixedLimitIsAppliedWithItsPeakOrTheResultSaysWhyNot) {
  nlohmann::json cfg = memory_config(20000, 100);
  cfg["measure"] = {{"memory_limit", "fixed"}, {"memory_max_bytes", 256 << 20}};
  const RunOutcome r = run_rpbench(cfg, dir_, "fits");
  ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.status << ": " << r.err;
  const nlohmann::json& lim = r.result["context"]["memory_limit"];
  EXPECT_EQ(lim["mode"], "fixed");
  EXPECT_EQ(lim["max_bytes"], 256 << 20);
  if (!root_.ok()) {
    EXPECT_FALSE(lim["applied"].get<bool>());
    EXPECT_EQ(lim["reason"], root_.status().message());
    EXPECT_NE(r.err.find("not applied"), std::string::npos) << r.err;
    return;
  }
  ASSERT_TRUE(lim["applied"].get<bool>()) << lim.dump();
  EXPECT_EQ(lim["events"]["oom_kill"], 0);
  if (!lim["peak_bytes"].is_null()) {
    EXPECT_GT(lim["peak_bytes"].get<uint64_t>(), 20000u * 100) << "the loaded values were charged to the group";
    EXPECT_LE(lim["peak_bytes"].get<uint64_t>(), 256u << 20);
  }
}

TEST_F(MemoryLimitRun, ARunThatDoesNotFitItsLimitIsKilled) {
  if (!root_.ok()) GTEST_SKIP() << "no cgroup v2 memory controller: " << root_.status().message();
  nlohmann::json cfg = memory_config(100000, 1000);  // about 100 MB of values
  cfg["measure"] = {{"memory_limit", "fixed"}, {"memory_max_bytes", 32 << 20}};
  const RunOutcome r = run_rpbench(cfg, dir_, "too-big");
  ASSERT_TRUE(WIFSIGNALED(r.status)) << "status " << r.status << ": " << r.err;
  EXPECT_EQ(WTERMSIG(r.status), SIGKILL);
  EXPECT_TRUE(r.result.is_null()) << "no result from a killed run";
}

// The rpbench-<pid> groups below the root.
std::set<std::string> rpbench_groups(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(root))
    if (e.path().filename().string().rfind("rpbench-", 0) == 0) out.insert(e.path().filename().string());
  return out;
}

TEST_F(MemoryLimitRun, TheGroupOfAKilledRunIsRemovedByTheNextRun) {
  if (!root_.ok()) GTEST_SKIP() << "no cgroup v2 memory controller: " << root_.status().message();
  const std::set<std::string> before = rpbench_groups(*root_);
  nlohmann::json big = memory_config(100000, 1000);
  big["measure"] = {{"memory_limit", "fixed"}, {"memory_max_bytes", 32 << 20}};
  const RunOutcome killed = run_rpbench(big, dir_, "killed");
  ASSERT_TRUE(WIFSIGNALED(killed.status)) << "status " << killed.status << ": " << killed.err;
  std::set<std::string> left;
  for (const std::string& g : rpbench_groups(*root_))
    if (!before.count(g)) left.insert(g);
  ASSERT_EQ(left.size(), 1u) << "a killed run cannot remove its own group";
  nlohmann::json small = memory_config(2000, 100);
  small["measure"] = {{"memory_limit", "fixed"}, {"memory_max_bytes", 256 << 20}};
  const RunOutcome next = run_rpbench(small, dir_, "next");
  ASSERT_TRUE(WIFEXITED(next.status) && WEXITSTATUS(next.status) == 0) << next.status << ": " << next.err;
  EXPECT_EQ(rpbench_groups(*root_).count(*left.begin()), 0u) << *left.begin() << " is still there";
}

TEST_F(MemoryLimitRun, TheBudgetIsTheEstimateForThisProcessPlusTheHeadroom) {
  nlohmann::json cfg = memory_config(20000, 100);
  cfg["measure"] = {{"memory_limit", "budget"}, {"memory_headroom_bytes", 128 << 20}};
  const RunOutcome r = run_rpbench(cfg, dir_, "budget");
  ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) << r.status << ": " << r.err;
  const nlohmann::json& ctx = r.result["context"];
  const nlohmann::json& est = ctx["memory_estimate"];
  EXPECT_EQ(ctx["memory_limit"]["max_bytes"].get<uint64_t>(), est["dataset_bytes"].get<uint64_t>() +
                                                                  est["snapshot_copy_bytes"].get<uint64_t>() +
                                                                  est["warmup_bytes"].get<uint64_t>() + (128u << 20));
  EXPECT_EQ(ctx["memory_limit"]["applied"].get<bool>(), root_.ok());
}

}  // namespace
}  // namespace rpbench
