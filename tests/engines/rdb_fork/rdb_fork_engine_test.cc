// The rdb-fork engine: options and registry entry, point-in-time snapshots while the parent keeps
// writing, a child killed mid-save, recovery, and the engine's report.
#include "engines/rdb_fork/rdb_fork_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engines/kvstore/allocator_stats.h"
#include "engines/rdb/rdb_kvstore.h"
#include "measure/os_probes.h"
#include "tests/engines/test_util.h"

namespace rpbench::rdb_fork {
namespace {

using rpbench::testing::contents;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using ::testing::HasSubstr;

SnapshotReport wait_for(RdbForkEngine& e, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (auto r = e.poll_snapshot()) return *r;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "snapshot did not finish within " << limit.count() << " s";
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

RdbForkOptions options_in(const TempDir& dir) {
  RdbForkOptions o;
  o.dir = dir.path();
  return o;
}

// Opens an engine or fails the test (by exception) with the engine's own message.
std::unique_ptr<RdbForkEngine> open_engine(const RdbForkOptions& o) {
  auto e = RdbForkEngine::open(o);
  if (!e.ok()) throw std::runtime_error("RdbForkEngine::open: " + e.status().to_string());
  return std::move(*e);
}

TEST(RdbForkOptions, DeclaredDefaultsAreTheStructsAndBindFillsEveryField) {
  const RdbForkOptions d;
  const auto& table = rdb_fork_option_table();
  nlohmann::json defaults = nlohmann::json::object();
  for (const config::Field& f : table.fields()) {
    EXPECT_FALSE(f.default_value.is_null()) << f.path;
    EXPECT_NE(f.path, "allocator") << "allocator is the harness's common option";
    defaults[f.path] = f.default_value;
  }
  EXPECT_EQ(defaults["dir"], d.dir);
  EXPECT_EQ(defaults["buffer_bytes"], d.buffer_bytes);
  EXPECT_EQ(defaults["thp"], "default");
  EXPECT_EQ(defaults["keep_dir"], false);
  const RdbForkOptions o = table.bind({{"type", "rdb-fork"},
                                       {"allocator", "jemalloc"},
                                       {"dir", "/x"},
                                       {"rdb_file", "a.rdb"},
                                       {"buffer_bytes", 4096},
                                       {"fsync", true},
                                       {"thp", "never"},
                                       {"keep_dir", true}});
  EXPECT_EQ(o.dir, "/x");
  EXPECT_EQ(o.rdb_file, "a.rdb");
  EXPECT_EQ(o.buffer_bytes, 4096);
  EXPECT_TRUE(o.fsync);
  EXPECT_EQ(o.thp, kvstore::ThpMode::kNever);
  EXPECT_TRUE(o.keep_dir);
  EXPECT_EQ(plain_file_name_problem("dump.rdb"), "");
  for (const char* bad : {"", "a/b.rdb", ".", ".."}) EXPECT_NE(plain_file_name_problem(bad), "") << bad;
}

TEST(RdbForkEngine, RegistryEntryOpensAnEngine) {
  TempDir dir;
  const EngineEntry e = rdb_fork_engine_entry();
  EXPECT_EQ(e.info.name, "rdb-fork");
  EXPECT_FALSE(e.info.summary.empty());
  EXPECT_EQ(e.info.capabilities, kCapStorage | kCapSnapshot | kCapRecovery | kCapDigest);
  EXPECT_EQ(e.info.capabilities & kCapConcurrentCallers, 0u);
  EXPECT_FALSE(e.options.empty());
  const nlohmann::json opts = {{"type", "rdb-fork"}, {"dir", dir.path()}, {"thp", "default"}};
  const nlohmann::json experiment = nlohmann::json::object();
  auto opened = e.open(EngineOpenArgs{opts, experiment, 1});
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  std::unique_ptr<Engine> eng = std::move(*opened);
  EXPECT_EQ(eng->name(), "rdb-fork");
  EXPECT_TRUE(eng->put("k", "v").ok());
  std::string v;
  EXPECT_TRUE(eng->get("k", &v).ok());
  EXPECT_EQ(v, "v");
  EXPECT_TRUE(eng->get("nope", &v).not_found());
  EXPECT_TRUE(eng->del("nope").not_found());
  EXPECT_EQ(eng->size(), 1);

  // A directory that cannot be created: a clear error naming it.
  const std::string blocker = dir.file("plain-file");
  rpbench::testing::write_file(blocker, "x");
  const nlohmann::json bad = {{"dir", blocker + "/sub"}};
  auto refused = e.open(EngineOpenArgs{bad, experiment, 1});
  ASSERT_FALSE(refused.ok()) << "opened with an impossible dir";
  EXPECT_THAT(refused.status().message(), HasSubstr(blocker + "/sub"));
  EXPECT_THAT(refused.status().message(), HasSubstr("engine.dir"));
}

TEST(RdbForkEngine, SnapshotIsPointInTimeWhileTheParentKeepsWriting) {
  TempDir dir;
  RdbForkOptions o = options_in(dir);
  o.test_child_pause_ms = 150;  // the parent's writes below certainly happen while the child lives
  auto owned = open_engine(o);
  RdbForkEngine& e = *owned;
  const int n = 20000;
  for (int i = 0; i < n; ++i) ASSERT_TRUE(e.put(test_key(i), test_value(i, 0, 64)).ok());
  const auto at_fork = contents(e.store());
  const std::string digest_at_fork = *e.digest();

  ASSERT_TRUE(e.begin_snapshot().ok());
  EXPECT_GT(e.snapshot_child_pid(), 0);
  EXPECT_TRUE(e.store().resize_paused());
  EXPECT_FALSE(e.begin_snapshot().ok()) << "one snapshot at a time";
  // Overwrite, delete and insert while the child writes: enough inserts to need a resize.
  for (int i = 0; i < n; i += 2) ASSERT_TRUE(e.put(test_key(i), test_value(i, 1, 80)).ok());
  for (int i = 1; i < n; i += 10) ASSERT_TRUE(e.del(test_key(i)).ok());
  for (int i = n; i < 3 * n; ++i) ASSERT_TRUE(e.put(test_key(i), test_value(i, 0, 16)).ok());
  EXPECT_EQ(e.store().table_stats().forced_resizes, 0u) << "load factor stayed below 5";
  EXPECT_NE(*e.digest(), digest_at_fork);

  const SnapshotReport r = wait_for(e);
  ASSERT_TRUE(r.ok()) << r.status.message();
  EXPECT_FALSE(e.store().resize_paused()) << "resizing resumes when the child is reaped";
  EXPECT_EQ(r.digest, digest_at_fork);
  EXPECT_GE(r.fork_us, 0);
  EXPECT_GE(r.child_duration_ms, 150);
  // The parent rewrote a pointer in every other entry (~4 MiB of heap pages) while the child
  // lived: those pages are the child's alone now.
  EXPECT_GT(r.cow_bytes, 1 << 20) << "the parent wrote while the child lived";
  EXPECT_GT(r.child_pid, 0);
  EXPECT_EQ(r.location, e.rdb_path());
  EXPECT_EQ(r.bytes, static_cast<int64_t>(std::filesystem::file_size(e.rdb_path())));
  EXPECT_EQ(e.snapshot_child_pid(), -1);
  EXPECT_FALSE(e.poll_snapshot().has_value()) << "nothing in flight any more";

  // The file holds the store as it was at fork time, not as it is now.
  kvstore::KvStore loaded;
  const rdb::RdbLoadResult lr = rdb::load_rdb_file(e.rdb_path(), &loaded);
  ASSERT_TRUE(lr.status.ok()) << lr.status.to_string();
  EXPECT_EQ(loaded.digest().hex(), digest_at_fork);
  EXPECT_TRUE(contents(loaded) == at_fork);

  // recover() replaces the store with the snapshot.
  const RecoveryReport rr = e.recover();
  ASSERT_TRUE(rr.ok()) << rr.status.message();
  EXPECT_EQ(rr.keys, n);
  EXPECT_EQ(rr.bytes, r.bytes);
  EXPECT_EQ(rr.source, e.rdb_path());
  EXPECT_EQ(*e.digest(), digest_at_fork);
  EXPECT_EQ(e.size(), n);

  const nlohmann::json rep = e.report();
  EXPECT_EQ(rep["keys"], n);
  EXPECT_EQ(rep["snapshots_ok"], 1);
  EXPECT_EQ(rep["rdb_path"], e.rdb_path());
  EXPECT_TRUE(rep.contains("allocator"));
  EXPECT_TRUE(rep["hash_table"].contains("buckets"));
  EXPECT_EQ(rep["thp"]["mode"], "default");
}

TEST(RdbForkEngine, ChildKilledMidSaveFailsAndLeavesThePreviousFile) {
  TempDir dir;
  auto owned = open_engine(options_in(dir));
  RdbForkEngine& e = *owned;
  for (int i = 0; i < 5000; ++i) e.put(test_key(i), test_value(i, 0, 32));
  ASSERT_TRUE(e.begin_snapshot().ok());
  const SnapshotReport first = wait_for(e);
  ASSERT_TRUE(first.ok()) << first.status.message();
  const std::string first_bytes = rpbench::testing::read_file(e.rdb_path());

  for (int i = 0; i < 100; ++i) e.put(test_key(i), "changed");
  e.set_test_child_pause_ms(10000);  // the child is certainly mid-save when killed
  ASSERT_TRUE(e.begin_snapshot().ok());
  const int pid = e.snapshot_child_pid();
  ASSERT_GT(pid, 0);
  const std::string temp = e.work_dir() + "/temp-" + std::to_string(pid) + ".rdb";
  for (int i = 0; i < 5000 && !std::filesystem::exists(temp); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(std::filesystem::exists(temp)) << "the child writes to temp-<pid>.rdb";
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const SnapshotReport r = wait_for(e);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("killed by signal 9"));
  EXPECT_EQ(r.child_pid, pid);
  EXPECT_FALSE(std::filesystem::exists(temp)) << "the temp file is removed";
  EXPECT_FALSE(e.store().resize_paused());
  EXPECT_EQ(e.report()["snapshots_failed"], 1);
  EXPECT_EQ(e.report()["snapshots_ok"], 1);

  // The previous snapshot is untouched and still recovers.
  EXPECT_EQ(rpbench::testing::read_file(e.rdb_path()), first_bytes);
  const RecoveryReport rr = e.recover();
  ASSERT_TRUE(rr.ok()) << rr.status.message();
  EXPECT_EQ(*e.digest(), first.digest);
  std::string v;
  ASSERT_TRUE(e.get(test_key(0), &v).ok());
  EXPECT_EQ(v, test_value(0, 0, 32));
}

TEST(RdbForkEngine, SmallBufferAndFsync) {
  TempDir dir;
  RdbForkOptions o = options_in(dir);
  o.buffer_bytes = 4096;
  o.fsync = true;
  o.rdb_file = "other.rdb";
  auto owned = open_engine(o);
  RdbForkEngine& e = *owned;
  for (int i = 0; i < 3000; ++i) e.put(test_key(i), test_value(i, 0, static_cast<size_t>(i)));
  ASSERT_TRUE(e.begin_snapshot().ok());
  const SnapshotReport r = wait_for(e);
  ASSERT_TRUE(r.ok()) << r.status.message();
  EXPECT_EQ(r.location, e.work_dir() + "/other.rdb");
  const std::string d = *e.digest();
  e.put("after", "x");
  const RecoveryReport rr = e.recover();
  ASSERT_TRUE(rr.ok()) << rr.status.message();
  EXPECT_EQ(*e.digest(), d);
  EXPECT_EQ(rr.keys, 3000);
}

TEST(RdbForkEngine, RecoverWithoutSnapshotAndAfterCorruption) {
  TempDir dir;
  auto owned = open_engine(options_in(dir));
  RdbForkEngine& e = *owned;
  e.put("a", "1");
  RecoveryReport r = e.recover();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.status.message(), HasSubstr("no complete snapshot"));
  EXPECT_EQ(e.size(), 1) << "nothing to recover from leaves the store as it was";

  ASSERT_TRUE(e.begin_snapshot().ok());
  ASSERT_TRUE(wait_for(e).ok());
  std::string bytes = rpbench::testing::read_file(e.rdb_path());
  bytes.resize(bytes.size() - 4);
  rpbench::testing::write_file(e.rdb_path(), bytes);
  e.put("b", "2");
  r = e.recover();
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.status.message(), HasSubstr(e.rdb_path() + ": offset "));
  EXPECT_EQ(e.size(), 0) << "a failed load leaves the store empty, not half-loaded";
}

TEST(RdbForkEngine, PrivateDirectoryIsRemovedAtCloseUnlessKept) {
  TempDir dir;
  std::string wd;
  {
    auto owned = open_engine(options_in(dir));
    RdbForkEngine& e = *owned;
    wd = e.work_dir();
    e.put("a", "1");
    ASSERT_TRUE(e.begin_snapshot().ok());
    ASSERT_TRUE(wait_for(e).ok());
    EXPECT_TRUE(std::filesystem::exists(e.rdb_path()));
    EXPECT_EQ(wd.rfind(dir.path() + "/rdb-fork-", 0), 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(wd));
  RdbForkOptions keep = options_in(dir);
  keep.keep_dir = true;
  {
    auto owned = open_engine(keep);
    RdbForkEngine& e = *owned;
    wd = e.work_dir();
    e.put("a", "1");
    e.set_test_child_pause_ms(10000);
    ASSERT_TRUE(e.begin_snapshot().ok());
    // Closing with a child in flight kills and reaps it, and removes its temp file.
  }
  EXPECT_TRUE(std::filesystem::exists(wd));
  // Nothing is left in it but the file naming its (now gone) owner.
  std::vector<std::string> left;
  for (const auto& f : std::filesystem::directory_iterator(wd)) left.push_back(f.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{".owner"});
}

TEST(RdbForkEngine, ThpModesAreAppliedAndReported) {
  TempDir dir;
  for (const char* mode : {"never", "madvise", "default"}) {
    RdbForkOptions o = options_in(dir);
    o.thp = *config::value_of(kvstore::kThpModeNames, mode);
    auto owned = open_engine(o);
    RdbForkEngine& e = *owned;
    for (int i = 0; i < 1000; ++i) e.put(test_key(i), "v");
    const nlohmann::json t = e.report()["thp"];
    EXPECT_EQ(t["mode"], mode);
    EXPECT_FALSE(t["actions"].get<std::string>().empty());
    if (std::string(mode) == "madvise") {
      EXPECT_GT(t["advise_calls"].get<int>(), 1);
    }
  }
}

[[maybe_unused]] int64_t anon_huge_kb() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("AnonHugePages:", 0) == 0) return std::stoll(line.substr(14));
  }
  return -1;
}

TEST(RdbForkEngine, ThpMadviseMakesTheStoreHugePageBacked) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator, not the process's, serves malloc";
#else
  const std::string sys = measure::thp_mode();
  if (sys != "madvise" && sys != "always") GTEST_SKIP() << "system THP mode is '" << sys << "'";
  if (kvstore::allocator_name() != "glibc") GTEST_SKIP() << "heap tracking applies to glibc malloc";
  TempDir dir;
  RdbForkOptions o = options_in(dir);
  o.thp = kvstore::ThpMode::kMadvise;
  auto owned = open_engine(o);
  RdbForkEngine& e = *owned;
  const int64_t before = anon_huge_kb();
  ASSERT_GE(before, 0);
  for (int i = 0; i < 300000; ++i) e.put(test_key(i), test_value(i, 0, 100));  // ~55 MiB
  const int64_t after = anon_huge_kb();
  EXPECT_GT(after - before, 16 * 1024) << "at least 16 MiB of the store on huge pages";
  EXPECT_GT(e.report()["thp"]["advise_calls"].get<int>(), 2);
#endif
}

}  // namespace
}  // namespace rpbench::rdb_fork
