// The mempool-offload engine against a real memory node: a snapshot recovered and verified by a
// fresh engine (the pool mapped back at its address), the A/B slots, a region too small, a bit
// flipped in the saved extent, garbage and empty regions, a header of another base or layout
// version, a child killed mid-copy, the node killed mid-snapshot, the pool range taken, and
// point-in-time content while the foreground goes on writing.
#include <signal.h>
#include <sys/mman.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "engines/mempool_offload/mempool_engine.h"
#include "engines/mempool_offload/pool_heap.h"
#include "engines/remote/remote_slots.h"
#include "measure/mapping.h"
#include "tests/engines/mempool_offload/mempool_suite.h"
#include "tests/engines/test_util.h"
#include "tests/measure/test_mapping.h"
#include "tests/transport/skip_unavailable.h"
#include "tests/transport/transport_bed.h"

namespace rpbench::mempool::testing {

std::string param_name(const ::testing::TestParamInfo<Param>& p) {
  std::string m(name_of(kSnapshotModeNames, p.param.mode));
  for (char& c : m)
    if (c == '-') c = '_';
  return p.param.transport + "_" + m;
}

namespace {

using rpbench::testing::contents;
using rpbench::testing::TempDir;
using rpbench::testing::test_key;
using rpbench::testing::test_value;
using ::testing::HasSubstr;
using transport::testing::TestNode;
using transport::testing::transport_bed;

constexpr uint64_t kRegionBytes = 64ull << 20;
constexpr int64_t kPoolBase = 0x4e0000000000;

bool small_world(const std::string& transport) { return transport == "verbs"; }  // Soft-RoCE under TCG is slow

class Fixture {
 public:
  explicit Fixture(const Param& p, uint64_t region_bytes = kRegionBytes, std::vector<std::string> node_args = {})
      : param_(p), region_bytes_(region_bytes), node_args_(std::move(node_args)) {
    start_node();
  }

  void start_node() {
    node_ = std::make_unique<TestNode>(transport_bed(param_.transport), region_bytes_, 1, node_args_);
  }
  TestNode& node() { return *node_; }

  MempoolOptions options() const {
    MempoolOptions o;
    o.snapshot_mode = param_.mode;
    o.pool_base = kPoolBase;
    o.pool_bytes = 256 << 20;
    o.chunk_bytes = 64 * 1024;
    o.chunks_in_flight = 3;
    return o;
  }
  transport::TransportOptions transport_options() const { return node_->options(2, 16 * 1024, 16); }

  std::unique_ptr<MempoolEngine> open(const MempoolOptions& o) {
    auto e = MempoolEngine::open(o, transport_options());
    if (!e.ok()) throw std::runtime_error("opening mempool-offload: " + e.status().to_string());
    return std::move(*e);
  }
  std::unique_ptr<MempoolEngine> open() { return open(options()); }

  int keys() const { return small_world(param_.transport) ? 1500 : 6000; }
  bool forks() const { return param_.mode != SnapshotMode::kPause; }

 private:
  Param param_;
  uint64_t region_bytes_;
  std::vector<std::string> node_args_;
  std::unique_ptr<TestNode> node_;
};

void fill(MempoolEngine& e, int n, uint64_t version) {
  for (int i = 0; i < n; ++i) ASSERT_TRUE(e.put(test_key(i), test_value(i, version, 40 + i % 300)).ok());
}

SnapshotReport snapshot(MempoolEngine& e) {
  const Status s = e.begin_snapshot();
  if (!s.ok()) {
    SnapshotReport r;
    r.status = s;
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::optional<SnapshotReport> r = e.poll_snapshot()) return *r;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  throw std::runtime_error("the snapshot did not end within 300 s");
}

// A connection of the test's own to the node's region, for reading and damaging it.
class RawRegion {
 public:
  explicit RawRegion(TestNode& node) : t_(node.connect()), buf_(rpbench::testing::must_map(1 << 16, 4096)) {
    if (!t_->register_buffer(buf_.data(), buf_.size(), &id_).ok()) throw std::runtime_error("register");
    auto s = remote::RemoteSlots::open(*t_);
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    slots_ = std::move(*s);
  }
  std::array<remote::SlotState, remote::kSlotCount> slots() {
    auto s = slots_->read();
    if (!s.ok()) throw std::runtime_error(s.status().to_string());
    return *s;
  }
  // Rewrites a slot's header (and commit word) as another writer would have committed it.
  void recommit(int slot, const remote::SlotHeader& h) { ASSERT_TRUE(slots_->commit(slot, h).ok()); }
  void write(uint64_t offset, const std::string& bytes) {
    std::copy(bytes.begin(), bytes.end(), buf_.data());
    ASSERT_TRUE(transport::transfer(*t_, transport::Op::kWrite, id_, 0, bytes.size(), offset).ok());
  }
  std::string read(uint64_t offset, size_t len) {
    EXPECT_TRUE(transport::transfer(*t_, transport::Op::kRead, id_, 0, len, offset).ok());
    return std::string(reinterpret_cast<const char*>(buf_.data()), len);
  }

 private:
  std::unique_ptr<transport::Transport> t_;
  measure::AnonMapping buf_;
  transport::BufferId id_ = 0;
  std::unique_ptr<remote::RemoteSlots> slots_;
};

TEST_P(MempoolTest, SnapshotThenAFreshEngineMapsThePoolBackAndVerifies) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  std::map<std::string, std::string> expected;
  std::string digest;
  uint64_t extent = 0;
  {
    auto e = f.open();
    fill(*e, f.keys(), 0);
    expected = contents(e->pool().kv());
    extent = e->pool().extent_bytes();
    const SnapshotReport r = snapshot(*e);
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    digest = r.digest;
    EXPECT_EQ(digest, e->pool().kv().compute_digest().hex());
    const nlohmann::json& x = r.extra;
    EXPECT_EQ(x["transport"], GetParam().transport);
    EXPECT_EQ(x["snapshot_mode"], std::string(name_of(kSnapshotModeNames, GetParam().mode)));
    EXPECT_EQ(x["slot"], 0);
    EXPECT_EQ(x["sequence"], 1);
    EXPECT_EQ(*r.bytes, static_cast<int64_t>(extent));
    EXPECT_EQ(x["extent_bytes"].get<uint64_t>(), extent);
    EXPECT_EQ(x["live_bytes"].get<uint64_t>(), e->pool().control().live_bytes);
    EXPECT_LE(x["live_bytes"].get<uint64_t>(), extent);
    EXPECT_EQ(x["chunks"].get<uint64_t>(), (extent + 65535) / 65536);
    EXPECT_GT(x["mb_per_s"].get<double>(), 0);
    EXPECT_FALSE(x["digest_ms"].is_null());
    EXPECT_EQ(x["copy_ms"].get<double>() > 0, GetParam().mode == SnapshotMode::kForkCopy);
    EXPECT_EQ(r.cow_bytes.has_value(), f.forks());
    EXPECT_EQ(x["private_dirty_after_register"].is_null(), GetParam().mode != SnapshotMode::kForkDirect);
    EXPECT_THAT(r.summary, HasSubstr(" over " + GetParam().transport));
    if (f.forks()) {
      EXPECT_DOUBLE_EQ(x["pause_us"].get<double>(), x["prepare_us"].get<double>() + *r.fork_us);
    } else {
      EXPECT_GE(*r.fork_us, x["transfer_ms"].get<double>() * 1e3);  // the pause holds the whole save
    }
  }
  // Nothing of the first engine is left but the node's region; the pool's range is free again.
  auto fresh = f.open();
  EXPECT_EQ(fresh->pool().kv().size(), 0u);
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(*rec.keys, f.keys());
  EXPECT_EQ(*rec.bytes, static_cast<int64_t>(extent));
  EXPECT_EQ(rec.extra["sequence"], 1);
  EXPECT_TRUE(rec.extra["payload_checksum_verified"].get<bool>());
  EXPECT_TRUE(rec.extra["digest_stored"].get<bool>());
  EXPECT_EQ(rec.extra["pool_base"], "0x4e0000000000");
  EXPECT_THAT(rec.summary, HasSubstr("from slot 0 (snapshot 1) over " + GetParam().transport));
  EXPECT_EQ(*fresh->recovered_snapshot_digest(), digest);
  EXPECT_EQ(*fresh->digest(), digest);
  EXPECT_TRUE(contents(fresh->pool().kv()) == expected);
  EXPECT_EQ(fresh->pool().extent_bytes(), extent);
  // The recovered store is live: it takes writes and deletes, and snapshots again.
  ASSERT_TRUE(fresh->put("after", "recovery").ok());
  ASSERT_TRUE(fresh->del(test_key(3)).ok());
  std::string v;
  ASSERT_TRUE(fresh->get("after", &v).ok());
  EXPECT_EQ(v, "recovery");
  const SnapshotReport again = snapshot(*fresh);
  ASSERT_TRUE(again.ok()) << again.status.to_string();
  EXPECT_EQ(again.extra["slot"], 1);
  EXPECT_EQ(again.extra["sequence"], 2);
}

TEST_P(MempoolTest, SlotsAlternateAndTheNewestCommittedWins) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  fill(*e, 500, 1);
  const SnapshotReport r1 = snapshot(*e);
  ASSERT_TRUE(r1.ok()) << r1.status.to_string();
  fill(*e, 700, 2);
  const SnapshotReport r2 = snapshot(*e);
  ASSERT_TRUE(r2.ok()) << r2.status.to_string();
  EXPECT_EQ(r1.extra["slot"], 0);
  EXPECT_EQ(r2.extra["slot"], 1);
  const auto want = contents(e->pool().kv());
  ASSERT_TRUE(e->put("later", "lost").ok());
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 2);
  EXPECT_TRUE(contents(e->pool().kv()) == want);
}

TEST_P(MempoolTest, ARegionTooSmallFailsTheSnapshotWithBothSizes) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam(), 1 << 20);  // two slots of 516 KiB
  auto e = f.open();
  fill(*e, 300, 0);
  ASSERT_TRUE(snapshot(*e).ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(e->put("big" + std::to_string(i), test_value(i, 7, 50000)).ok());
  const SnapshotReport r = snapshot(*e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Status::Code::kResourceExhausted);
  EXPECT_THAT(r.status.message(), HasSubstr("extent of " + std::to_string(e->pool().extent_bytes()) + " bytes"));
  const uint64_t capacity = remote::SlotAreas::halves(1 << 20).capacity;
  EXPECT_THAT(r.status.message(), HasSubstr("a slot of " + std::to_string(capacity)));
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(*rec.keys, 300);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 1"));
}

TEST_P(MempoolTest, ABitFlippedInTheExtentFallsBackToTheOtherSlotAndGarbageEverywhereFailsEmpty) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  fill(*e, 800, 1);
  const auto first = contents(e->pool().kv());
  ASSERT_TRUE(snapshot(*e).ok());
  fill(*e, 900, 2);
  ASSERT_TRUE(snapshot(*e).ok());
  RawRegion raw(f.node());
  const auto states = raw.slots();
  ASSERT_TRUE(states[1].committed);
  const uint64_t at = states[1].header->payload_offset + states[1].header->payload_bytes / 2;
  std::string b = raw.read(at, 1);
  b[0] = static_cast<char>(b[0] ^ 0x10);
  raw.write(at, b);
  RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["slot"], 0);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 1 (snapshot 2): the extent's checksum"));
  EXPECT_TRUE(contents(e->pool().kv()) == first);
  raw.write(remote::header_offset(0), std::string(512, '\x77'));
  rec = e->recover();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(e->pool().kv().size(), 0u);
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 0"));
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 1 (snapshot 2)"));
  EXPECT_FALSE(e->recovered_snapshot_digest().ok());
  // The emptied pool is a working store.
  ASSERT_TRUE(e->put("k", "v").ok());
  EXPECT_EQ(e->pool().kv().size(), 1u);
}

TEST_P(MempoolTest, AHeaderOfAnotherBaseOrLayoutVersionIsRefusedByName) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  {
    auto e = f.open();
    fill(*e, 300, 1);
    ASSERT_TRUE(snapshot(*e).ok());
  }
  MempoolOptions elsewhere = f.options();
  elsewhere.pool_base = kPoolBase + (int64_t{1} << 32);
  {
    auto e = f.open(elsewhere);
    const RecoveryReport rec = e->recover();
    ASSERT_FALSE(rec.ok());
    EXPECT_THAT(rec.status.message(),
                HasSubstr("saved at base 0x4e0000000000, not at the configured engine.pool_base 0x4e0100000000"));
    EXPECT_EQ(e->pool().kv().size(), 0u);
  }
  RawRegion raw(f.node());
  remote::SlotHeader h = *raw.slots()[0].header;
  h.format_version = kPoolLayoutVersion + 7;
  raw.recommit(0, h);
  auto e = f.open();
  const RecoveryReport rec = e->recover();
  ASSERT_FALSE(rec.ok());
  EXPECT_THAT(rec.status.message(), HasSubstr("layout version " + std::to_string(kPoolLayoutVersion + 7)));
  EXPECT_EQ(e->pool().kv().size(), 0u);
}

TEST_P(MempoolTest, AnEmptyRegionHasNothingToRecover) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  ASSERT_TRUE(e->put("k", "v").ok());
  const RecoveryReport rec = e->recover();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.status.code(), Status::Code::kNotFound);
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 0: empty"));
  EXPECT_EQ(e->pool().kv().size(), 0u);
}

TEST_P(MempoolTest, APoolRangeAlreadyTakenFailsOpenNamingTheAddress) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto holder = f.open();  // this process already holds the range
  ASSERT_TRUE(holder->put("mine", "kept").ok());
  auto second = MempoolEngine::open(f.options(), f.transport_options());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("0x4e0000000000"));
  EXPECT_THAT(second.status().message(), HasSubstr("already mapped"));
  std::string v;
  ASSERT_TRUE(holder->get("mine", &v).ok());
  EXPECT_EQ(v, "kept");
}

TEST_P(MempoolTest, AChildKilledMidCopyLeavesItsSlotUncommittedAndThePreviousOneRecovers) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  if (!f.forks()) GTEST_SKIP() << "pause mode has no child";
  auto e = f.open();
  fill(*e, 500, 0);
  ASSERT_TRUE(snapshot(*e).ok());  // slot 0
  fill(*e, 600, 1);
  const auto second = contents(e->pool().kv());
  ASSERT_TRUE(snapshot(*e).ok());  // slot 1
  fill(*e, 600, 2);
  e->set_test_child_pause_ms(10000);
  ASSERT_TRUE(e->begin_snapshot().ok());
  const int pid = e->snapshot_child_pid();
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  std::optional<SnapshotReport> r;
  while (!(r = e->poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_FALSE(r->ok());
  EXPECT_THAT(r->status.message(), HasSubstr("killed by signal"));
  EXPECT_THAT(r->status.message(), HasSubstr("slot 0 is not committed"));
  e->set_test_child_pause_ms(0);
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 2);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 0 (snapshot 1): never committed"));
  EXPECT_TRUE(contents(e->pool().kv()) == second);
}

TEST_P(MempoolTest, WritesDuringTheSnapshotNeverAppearInTheRecoveredPool) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  if (!f.forks()) GTEST_SKIP() << "pause mode takes no writes while it saves";
  std::map<std::string, std::string> at_fork;
  std::string digest;
  {
    auto e = f.open();
    fill(*e, 2000, 1);
    at_fork = contents(e->pool().kv());
    e->set_test_child_pause_ms(300);
    ASSERT_TRUE(e->begin_snapshot().ok());
    for (int i = 0; i < 2000; i += 2) ASSERT_TRUE(e->put(test_key(i), test_value(i, 9, 77)).ok());
    for (int i = 1; i < 2000; i += 10) ASSERT_TRUE(e->del(test_key(i)).ok());
    for (int i = 5000; i < 8000; ++i) ASSERT_TRUE(e->put(test_key(i), "new").ok());
    std::optional<SnapshotReport> r;
    while (!(r = e->poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(r->ok()) << r->status.to_string();
    EXPECT_GT(*r->cow_bytes, 0);
    digest = r->digest;
  }
  auto fresh = f.open();
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_TRUE(contents(fresh->pool().kv()) == at_fork);
  EXPECT_EQ(*fresh->digest(), digest);
}

TEST_P(MempoolTest, TheNodeKilledMidSnapshotFailsItAndTheOtherSlotSurvivesARestartedNode) {
  SKIP_UNLESS_AVAILABLE();
  TempDir dir;
  Fixture f(GetParam(), kRegionBytes, {"--region-dir", dir.path()});
  if (!f.forks()) GTEST_SKIP() << "pause mode saves inside begin_snapshot(): no moment to kill the node in";
  std::map<std::string, std::string> first;
  {
    auto e = f.open();
    fill(*e, 700, 1);
    first = contents(e->pool().kv());
    ASSERT_TRUE(snapshot(*e).ok());
    fill(*e, 700, 2);
    e->set_test_child_pause_ms(1000);
    ASSERT_TRUE(e->begin_snapshot().ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    f.node().kill_and_reap(SIGKILL);
    std::optional<SnapshotReport> r;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!(r = e->poll_snapshot()) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(r.has_value()) << "the snapshot did not end after the node died";
    EXPECT_FALSE(r->ok()) << "a snapshot into a dead node reported ok";
    EXPECT_EQ(r->status.code(), Status::Code::kUnavailable) << r->status.to_string();
    ASSERT_TRUE(e->put("after", "the node died").ok());
  }
  f.start_node();
  auto fresh = f.open();
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 1);
  EXPECT_TRUE(contents(fresh->pool().kv()) == first);
}

TEST_P(MempoolTest, WithoutTheSnapshotDigestThereIsNothingToVerifyAgainst) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  MempoolOptions o = f.options();
  o.snapshot_digest = false;
  auto e = f.open(o);
  fill(*e, 300, 1);
  const SnapshotReport r = snapshot(*e);
  ASSERT_TRUE(r.ok()) << r.status.to_string();
  EXPECT_EQ(r.digest, "");
  EXPECT_TRUE(r.extra["digest_ms"].is_null());
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_FALSE(rec.extra["digest_stored"].get<bool>());
  EXPECT_TRUE(e->recovered_snapshot_digest().status().not_found());
}

}  // namespace
}  // namespace rpbench::mempool::testing
