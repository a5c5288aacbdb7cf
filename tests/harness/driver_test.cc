// The driver against test engines: open-loop latency includes stalls (no coordinated omission),
// ops are split normal / during_snapshot by the snapshot window, failures stop the experiment
// with the reason, several client threads and trace replay do exactly the ops asked for.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "harness/config/experiment.h"
#include "harness/config/loader.h"
#include "harness/driver.h"

#include "base/config_error.h"
#include "measure/clock.h"
#include "workloads/keys.h"
#include "workloads/op_stream.h"
#include "workloads/trace.h"

namespace rpbench {
namespace {

using nlohmann::json;

ExperimentConfig experiment(json cfg) {
  cfg["measure"]["progress"] = "off";
  return make_experiment(config::resolve_config(cfg));
}

// Answers at once, but sleeps `stall_ms` inside call number `stall_at`, and fails call number
// `fail_at` (0: never).
constexpr EngineInfo kStallInfo{"stall", "test engine", kCapConcurrentCallers};
constexpr EngineInfo kFakeInfo{"fake", "test engine", kCapSnapshot | kCapRecovery | kCapDigest};
constexpr EngineInfo kCopyInfo{"copy", "test engine", kCapSnapshot | kCapRecovery | kCapDigest};

class StallEngine : public Engine {
 public:
  StallEngine(uint64_t stall_at, int stall_ms, uint64_t fail_at = 0)
      : Engine(kStallInfo), stall_at_(stall_at), stall_ms_(stall_ms), fail_at_(fail_at) {}
  Status put(std::string_view, std::string_view) override { return step(); }
  Status get(std::string_view, std::string*) override { return step(); }
  Status del(std::string_view) override { return step(); }

 private:
  Status step() {
    const uint64_t n = ++calls_;
    if (n == stall_at_) std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms_));
    if (n == fail_at_) return Status::IoError("injected failure");
    return Status::Ok();
  }
  std::atomic<uint64_t> calls_{0};
  uint64_t stall_at_;
  int stall_ms_;
  uint64_t fail_at_;
};

// A snapshotting engine whose snapshot takes `snapshot_ms` in a background thread; digest is the
// count of puts; recover restores the count the snapshot saw (plus `recover_skew`).
class FakeSnapshotEngine : public Engine {
 public:
  explicit FakeSnapshotEngine(int snapshot_ms, bool snapshot_ok = true, int recover_skew = 0)
      : Engine(kFakeInfo), snapshot_ms_(snapshot_ms), snapshot_ok_(snapshot_ok), recover_skew_(recover_skew) {}
  Status put(std::string_view, std::string_view) override {
    ++puts_;
    return Status::Ok();
  }
  Status get(std::string_view, std::string*) override { return Status::NotFound(); }
  Status del(std::string_view) override { return Status::Ok(); }
  Status begin_snapshot() override {
    snap_puts_ = puts_;
    started_ = measure::now_ns();
    ++begun_;
    return Status::Ok();
  }
  std::optional<SnapshotReport> poll_snapshot() override {
    ++polls_;
    if (measure::now_ns() - started_ < static_cast<uint64_t>(snapshot_ms_) * 1000000) return std::nullopt;
    SnapshotReport r;
    if (!snapshot_ok_) r.status = Status::Unavailable("child killed by signal 9");
    r.fork_us = 12.5;
    r.bytes = 1000;
    r.digest = std::to_string(snap_puts_);
    r.child_done_ns = measure::now_ns() - 1000;
    saved_ = snap_puts_;
    return r;
  }
  RecoveryReport recover() override {
    puts_ = saved_ + recover_skew_;
    RecoveryReport r;
    r.keys = static_cast<int64_t>(puts_);
    return r;
  }
  StatusOr<std::string> digest() override { return std::to_string(puts_); }
  int begun() const { return begun_; }
  int polls() const { return polls_; }

 private:
  int snapshot_ms_;
  bool snapshot_ok_;
  int recover_skew_;
  uint64_t puts_ = 0, snap_puts_ = 0, saved_ = 0;
  uint64_t started_ = 0;
  int begun_ = 0;
  int polls_ = 0;
};

// A real store with an in-process snapshot (a copy taken at begin), for content checks. Recovery
// may damage one key on purpose.
class CopySnapshotEngine : public Engine {
 public:
  explicit CopySnapshotEngine(std::string damage_key = {}) : Engine(kCopyInfo), damage_key_(std::move(damage_key)) {}
  Status put(std::string_view k, std::string_view v) override {
    map_[std::string(k)] = std::string(v);
    return Status::Ok();
  }
  Status get(std::string_view k, std::string* v) override {
    auto it = map_.find(std::string(k));
    if (it == map_.end()) return Status::NotFound();
    *v = it->second;
    return Status::Ok();
  }
  Status del(std::string_view k) override { return map_.erase(std::string(k)) ? Status::Ok() : Status::NotFound(); }
  Status begin_snapshot() override {
    saved_ = map_;
    return Status::Ok();
  }
  std::optional<SnapshotReport> poll_snapshot() override {
    SnapshotReport r;
    r.digest = digest_of(saved_);
    return r;
  }
  RecoveryReport recover() override {
    map_ = saved_;
    if (!damage_key_.empty()) map_[damage_key_] = "damaged";
    RecoveryReport r;
    return r;
  }
  StatusOr<std::string> digest() override { return digest_of(map_); }

 private:
  static std::string digest_of(const std::map<std::string, std::string>&) {
    // Deliberately blind to the content: the test sees the key sample catch what it misses.
    return "blind";
  }
  std::string damage_key_;
  std::map<std::string, std::string> map_, saved_;
};

ExperimentConfig sampled_experiment() {
  return experiment(json::parse(R"({
    "engine": {"type": "null"},
    "dataset": {"keys": 4000, "value_size": {"dist": "uniform", "min": 10, "max": 300}},
    "workload": {"mix": {"read": 0.4, "update": 0.3, "insert": 0.1, "delete": 0.2}, "keys": {"dist": "uniform"}},
    "phases": [{"type": "load"}, {"type": "run", "ops": 20000}]})"));
}

TEST(Driver, VerifyChecksSampledKeysAgainstTheGenerator) {
  // load, run (updates/inserts/deletes), snapshot, more writes, recover, verify: the sampled keys
  // must hold exactly what was written before the snapshot, or be absent if deleted.
  ExperimentConfig cfg = sampled_experiment();
  PhaseConfig snap, more = cfg.phases[1], rec, ver;
  snap.type = PhaseType::kSnapshot;
  snap.name = "snapshot";
  rec.type = PhaseType::kRecover;
  rec.name = "recover";
  ver.type = PhaseType::kVerify;
  ver.name = "verify";
  ver.sample_keys = 500;
  cfg.phases.push_back(snap);
  cfg.phases.push_back(more);
  cfg.phases.push_back(rec);
  cfg.phases.push_back(ver);
  {
    CopySnapshotEngine e;
    Result r;
    Driver d(cfg, e);
    {
      const Status st = d.run(r);
      ASSERT_TRUE(st.ok()) << st.to_string();
    }
    const VerifyRecord& v = *r.phases.back().verify;
    EXPECT_TRUE(v.ok);
    EXPECT_GE(v.sampled_keys, 400);
    EXPECT_EQ(v.sample_mismatches, 0);
  }
  {
    CopySnapshotEngine e(workloads::make_key(0, 16));  // id 0 is always in the sample
    Result r;
    Driver d(cfg, e);
    const Status st = d.run(r);
    EXPECT_FALSE(st.ok());
    const VerifyRecord& v = *r.phases.back().verify;
    EXPECT_EQ(v.expected_digest, v.actual_digest);  // the digest cannot see it
    EXPECT_EQ(v.sample_mismatches, 1);
    EXPECT_NE(v.sample_note.find("key id 0"), std::string::npos) << v.sample_note;
    EXPECT_NE(st.message().find("sampled keys differ"), std::string::npos) << st.to_string();
  }
}

uint64_t count_at_least(const measure::Histogram& h, uint64_t ns) {
  uint64_t n = 0;
  for (const auto& [upper, count] : h.nonzero_buckets())
    if (upper >= ns) n += count;
  return n;
}

TEST(Driver, OpenLoopLatencyIncludesAnInjectedStall) {
  // 2000 ops/s: a 50 ms stall at op 100 delays about 100 scheduled ops; measured from their
  // intended start, each of them carries its share of the stall.
  const ExperimentConfig open = experiment({{"engine", {{"type", "null"}}},
                                            {"measure", {{"loop", "open"}, {"rate", 2000}}},
                                            {"phases", {{{"type", "run"}, {"ops", 400}}}}});
  StallEngine e1(100, 50);
  Result r1;
  Driver d1(open, e1);
  {
    const Status st = d1.run(r1);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  const PhaseResult& p1 = r1.phases.at(0);
  EXPECT_EQ(p1.ops, 400u);
  EXPECT_GE(p1.all.max(), 50'000'000u);
  const uint64_t open_slow = count_at_least(p1.all, 25'000'000);
  EXPECT_GE(open_slow, 20u);
  // The service time of the same ops does not see the queueing: one slow op.
  EXPECT_GE(p1.service.max(), 50'000'000u);
  EXPECT_LT(count_at_least(p1.service, 25'000'000), open_slow / 4);

  // Closed loop hides it: only the stalled op itself is slow (coordinated omission).
  const ExperimentConfig closed =
      experiment({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"ops", 400}}}}});
  StallEngine e2(100, 50);
  Result r2;
  Driver d2(closed, e2);
  {
    const Status st = d2.run(r2);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  EXPECT_GE(r2.phases.at(0).all.max(), 50'000'000u);
  EXPECT_LT(count_at_least(r2.phases.at(0).all, 25'000'000), open_slow / 4);
}

// Takes `op_us` for every op: at most 1e6 / op_us ops/s on one thread.
constexpr EngineInfo kSlowInfo{"slow", "test engine", 0};
class SlowEngine : public Engine {
 public:
  explicit SlowEngine(int op_us) : Engine(kSlowInfo), op_us_(op_us) {}
  Status put(std::string_view, std::string_view) override { return step(); }
  Status get(std::string_view, std::string*) override { return step(); }
  Status del(std::string_view) override { return step(); }

 private:
  Status step() {
    std::this_thread::sleep_for(std::chrono::microseconds(op_us_));
    return Status::Ok();
  }
  int op_us_;
};

TEST(Driver, OpenLoopReportsWhenItCannotKeepUp) {
  // Ops take at least 2 ms: 1000 ops/s cannot be sustained. Every scheduled op is still issued
  // and measured from its intended start, so the queueing shows in the latency.
  const ExperimentConfig cfg = experiment({{"engine", {{"type", "null"}}},
                                           {"measure", {{"loop", "open"}, {"rate", 1000}}},
                                           {"phases", {{{"type", "run"}, {"duration_s", 0.2}}}}});
  SlowEngine e(2000);
  Result r;
  Driver d(cfg, e);
  {
    const Status st = d.run(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  const PhaseResult& p = r.phases.at(0);
  EXPECT_TRUE(p.pacing.open_loop);
  EXPECT_DOUBLE_EQ(p.pacing.target_ops_per_s, 1000);
  EXPECT_LT(p.pacing.achieved_ops_per_s, 600);
  EXPECT_FALSE(p.pacing.kept_up);
  EXPECT_GE(p.ops, 190u);                       // the whole schedule
  EXPECT_GE(p.all.max(), 150'000'000u);         // the last op waited for the whole backlog
  EXPECT_LT(p.service.max(), p.all.max() / 4);  // while each op itself took ~2 ms
}

TEST(Driver, OpsAreSplitByTheSnapshotWindow) {
  ExperimentConfig cfg = experiment({{"engine", {{"type", "null"}}},
                                     {"workload", {{"mix", {{"update", 1.0}}}}},
                                     {"phases", {{{"type", "run"}, {"duration_s", 0.6}}}}});
  cfg.phases[0].snapshot_at_s = {0.2};
  FakeSnapshotEngine e(150);
  Result r;
  Driver d(cfg, e);
  {
    const Status st = d.run(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  const PhaseResult& p = r.phases.at(0);
  ASSERT_EQ(p.snapshots.size(), 1u);
  EXPECT_TRUE(p.snapshots[0].report.ok());
  EXPECT_GE(p.snapshots[0].duration_ms, 150.0);
  EXPECT_NEAR(p.snapshots[0].started_ms, 200.0, 100.0);
  EXPECT_GT(p.during_snapshot.count(), 0u);
  EXPECT_GT(p.normal.count(), 0u);
  EXPECT_EQ(p.normal.count() + p.during_snapshot.count(), p.all.count());
  // Roughly a quarter of the phase's ops fall in a 150 ms window of a 600 ms phase.
  const double share = static_cast<double>(p.during_snapshot.count()) / p.all.count();
  EXPECT_GT(share, 0.05);
  EXPECT_LT(share, 0.8);
  ASSERT_GE(p.events.size(), 3u);
  EXPECT_EQ(p.events.front().event, "snapshot_start");
  EXPECT_EQ(p.events[1].event, "fork_returned");
  EXPECT_EQ(p.events.back().event, "reaped");
  for (size_t i = 1; i < p.events.size(); ++i) EXPECT_LE(p.events[i - 1].t_ms, p.events[i].t_ms);
  EXPECT_EQ(e.begun(), 1);
}

TEST(Driver, SnapshotEveryNOpsNeverOverlap) {
  ExperimentConfig cfg =
      experiment({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"duration_s", 0.3}}}}});
  cfg.phases[0].snapshot_every_ops = 20000;
  FakeSnapshotEngine e(5);
  Result r;
  Driver d(cfg, e);
  {
    const Status st = d.run(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  const auto& snaps = r.phases[0].snapshots;
  ASSERT_GE(snaps.size(), 2u);
  for (size_t i = 0; i < snaps.size(); ++i) {
    EXPECT_EQ(snaps[i].index, static_cast<int>(i));
    EXPECT_GE(snaps[i].duration_ms, 5.0);
    // A due snapshot waits for the running one: windows never overlap.
    if (i > 0) {
      EXPECT_GE(snaps[i].started_ms, snaps[i - 1].started_ms + snaps[i - 1].duration_ms);
    }
  }
}

TEST(Driver, RecoverAndVerify) {
  ExperimentConfig cfg = experiment({{"engine", {{"type", "null"}}},
                                     {"workload", {{"mix", {{"update", 1.0}}}}},
                                     {"phases", {{{"type", "load"}}, {{"type", "run"}, {"ops", 500}}}},
                                     {"dataset", {{"keys", 1000}}}});
  PhaseConfig snap;
  snap.type = PhaseType::kSnapshot;
  snap.name = "snapshot";
  PhaseConfig rec;
  rec.type = PhaseType::kRecover;
  rec.name = "recover";
  PhaseConfig ver;
  ver.type = PhaseType::kVerify;
  ver.name = "verify";
  ver.sample_keys = 0;                              // the fake engine keeps no values: the digest alone
  cfg.phases.insert(cfg.phases.begin() + 1, snap);  // load, snapshot, run, recover, verify
  cfg.phases.push_back(rec);
  cfg.phases.push_back(ver);
  {
    FakeSnapshotEngine e(20);
    Result r;
    Driver d(cfg, e);
    {
      const Status st = d.run(r);
      ASSERT_TRUE(st.ok()) << st.to_string();
    }
    ASSERT_EQ(r.phases.size(), 5u);
    ASSERT_TRUE(r.phases[4].verify.has_value());
    EXPECT_TRUE(r.phases[4].verify->ok);
    EXPECT_EQ(r.phases[4].verify->expected_digest, "1000");  // the content at snapshot time
  }
  {
    FakeSnapshotEngine e(20, true, /*recover_skew=*/1);
    Result r;
    Driver d(cfg, e);
    const Status st = d.run(r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("verify failed"), std::string::npos) << st.to_string();
    ASSERT_EQ(r.phases.size(), 5u);
    EXPECT_FALSE(r.phases[4].verify->ok);
  }
}

TEST(Driver, FailedSnapshotFailsTheExperiment) {
  ExperimentConfig cfg =
      experiment({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"duration_s", 0.3}}}}});
  cfg.phases[0].snapshot_at_s = {0.05};
  FakeSnapshotEngine e(10, /*snapshot_ok=*/false);
  Result r;
  Driver d(cfg, e);
  const Status st = d.run(r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("child killed by signal 9"), std::string::npos) << st.to_string();
  ASSERT_EQ(r.phases.at(0).snapshots.size(), 1u);
  EXPECT_FALSE(r.phases[0].snapshots[0].report.ok());
}

TEST(Driver, SnapshotTimeoutFailsTheExperiment) {
  ExperimentConfig cfg =
      experiment({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"duration_s", 0.2}}}}});
  cfg.phases[0].snapshot_at_s = {0.01};
  cfg.phases[0].timeout_s = 0.1;
  FakeSnapshotEngine e(60'000);
  Result r;
  Driver d(cfg, e);
  const Status st = d.run(r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not complete after"), std::string::npos) << st.to_string();
}

TEST(Driver, EngineErrorStopsThePhaseWithTheReason) {
  const ExperimentConfig cfg =
      experiment({{"engine", {{"type", "null"}}}, {"phases", {{{"type", "run"}, {"ops", 1000}}}}});
  StallEngine e(0, 0, /*fail_at=*/10);
  Result r;
  Driver d(cfg, e);
  const Status st = d.run(r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("injected failure"), std::string::npos) << st.to_string();
  EXPECT_EQ(r.phases.at(0).errors, 1u);
  EXPECT_EQ(r.phases.at(0).ops, 10u);
}

TEST(Driver, ThreadsShareTheOpCount) {
  const ExperimentConfig cfg = experiment({{"engine", {{"type", "null"}}},
                                           {"workload", {{"threads", 3}}},
                                           {"dataset", {{"keys", 1001}}},
                                           {"phases", {{{"type", "load"}}, {{"type", "run"}, {"ops", 3001}}}}});
  StallEngine e(0, 0);
  Result r;
  Driver d(cfg, e);
  {
    const Status st = d.run(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  EXPECT_EQ(r.phases[0].ops, 1001u);
  EXPECT_EQ(r.phases[1].ops, 3001u);
  EXPECT_EQ(r.phases[1].threads, 3u);
  EXPECT_EQ(r.phases[1].all.count(), 3001u);
}

TEST(Driver, ReplaysATraceExactly) {
  const std::string path = ::testing::TempDir() + "/rpbench_driver_trace.bin";
  json base = {{"engine", {{"type", "null"}}},
               {"dataset", {{"keys", 5000}}},
               {"workload", {{"mix", {{"read", 0.5}, {"update", 0.3}, {"delete", 0.2}}}}},
               {"phases", {{{"type", "run"}, {"duration_s", 30}}}}};
  const ExperimentConfig gen = experiment(base);
  uint64_t reads = 0;
  {
    workloads::OpStream stream(gen.workload, 0, 1);
    workloads::TraceWriter w(path, workloads::TraceInfo{});
    for (int i = 0; i < 777; ++i) {
      const auto op = stream.next();
      reads += op.type == workloads::OpType::kRead;
      w.write(op);
    }
    w.close();
  }
  base["workload"]["trace"] = path;
  const ExperimentConfig cfg = experiment(base);
  StallEngine e(0, 0);
  Result r;
  Driver d(cfg, e);
  {
    const Status st = d.run(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  EXPECT_EQ(r.phases[0].ops, 777u);  // the trace ends the phase long before its 30 s
  EXPECT_EQ(r.phases[0].per_op.at("read").count(), reads);
  std::remove(path.c_str());
}

TEST(Driver, MissingTraceIsAClearErrorBeforeTheRun) {
  try {
    experiment({{"engine", {{"type", "null"}}},
                {"workload", {{"trace", "/nonexistent/trace.bin"}}},
                {"phases", {{{"type", "run"}, {"ops", 10}}}}});
    ADD_FAILURE() << "a missing trace was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("workload.trace: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/trace.bin"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rpbench
