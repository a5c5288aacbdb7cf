// The rdma-pingpong engine against a real memory node: snapshot and a verified recovery from a
// fresh engine, the A/B slots, a region too small, corrupt, garbage, uncommitted and empty slots,
// a child killed mid-stream, the node killed mid-snapshot, and point-in-time content.
#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "engines/rdma_pingpong/pingpong_engine.h"
#include "engines/remote/remote_slots.h"
#include "measure/mapping.h"
#include "tests/engines/rdma_pingpong/pingpong_suite.h"
#include "tests/engines/test_util.h"
#include "tests/measure/test_mapping.h"
#include "tests/transport/skip_unavailable.h"
#include "tests/transport/transport_bed.h"

namespace rpbench::pingpong::testing {

std::string param_name(const ::testing::TestParamInfo<Param>& p) {
  return p.param.transport + (p.param.mode == ForkMode::kChildConnect ? "_child_connect" : "_parent_posts");
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

  PingpongOptions options() const {
    PingpongOptions o;
    o.fork_mode = param_.mode;
    o.buffers = 2;
    o.buffer_bytes = 64 * 1024;
    return o;
  }
  transport::TransportOptions transport_options() const { return node_->options(2, 16 * 1024, 16); }

  std::unique_ptr<PingpongEngine> open(const PingpongOptions& o) {
    auto e = PingpongEngine::open(o, transport_options());
    if (!e.ok()) throw std::runtime_error("opening rdma-pingpong: " + e.status().to_string());
    return std::move(*e);
  }
  std::unique_ptr<PingpongEngine> open() { return open(options()); }

  int keys() const { return small_world(param_.transport) ? 1500 : 6000; }

 private:
  Param param_;
  uint64_t region_bytes_;
  std::vector<std::string> node_args_;
  std::unique_ptr<TestNode> node_;
};

void fill(PingpongEngine& e, int n, uint64_t version) {
  for (int i = 0; i < n; ++i) ASSERT_TRUE(e.put(test_key(i), test_value(i, version, 40 + i % 300)).ok());
}

SnapshotReport snapshot(PingpongEngine& e) {
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

TEST_P(PingpongTest, SnapshotThenAFreshEngineRecoversAndVerifies) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  std::map<std::string, std::string> expected;
  std::string digest;
  {
    auto e = f.open();
    fill(*e, f.keys(), 0);
    expected = contents(e->store());
    const SnapshotReport r = snapshot(*e);
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    digest = r.digest;
    EXPECT_EQ(digest, e->store().compute_digest().hex());
    const nlohmann::json& x = r.extra;
    EXPECT_EQ(x["transport"], GetParam().transport);
    EXPECT_EQ(x["slot"], 0);
    EXPECT_EQ(x["sequence"], 1);
    EXPECT_EQ(x["bytes"].get<int64_t>(), *r.bytes);
    // 64 KiB buffers: every full one and the last partial one went out, each one transfer.
    EXPECT_EQ(x["buffers_sent"].get<int64_t>(), (*r.bytes + 65535) / 65536);
    EXPECT_EQ(x["transfers"], x["buffers_sent"]);
    EXPECT_GT(x["serialize_ms"].get<double>(), 0);
    EXPECT_GT(x["transfer_ms"].get<double>(), 0);
    EXPECT_GT(x["mb_per_s"].get<double>(), 0);
    EXPECT_GE(x["overlap_ratio"].get<double>(), 0.5);
    EXPECT_LE(x["stream_ms"].get<double>(), x["total_ms"].get<double>());
    EXPECT_EQ(x["connect_us"].is_null(), GetParam().mode == ForkMode::kParentPosts);
    EXPECT_EQ(x["poster_cpu_ms"].is_null(), GetParam().mode == ForkMode::kChildConnect);
    EXPECT_THAT(r.location, HasSubstr("slot 0"));
    EXPECT_THAT(r.summary, HasSubstr("stream over " + GetParam().transport));
    EXPECT_DOUBLE_EQ(x["pause_us"].get<double>(), x["prepare_us"].get<double>() + *r.fork_us);
  }
  // Nothing of the first engine is left but the node's region.
  auto fresh = f.open();
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(*rec.keys, f.keys());
  EXPECT_EQ(rec.extra["sequence"], 1);
  EXPECT_TRUE(rec.extra["checksum_verified"].get<bool>());
  EXPECT_THAT(rec.summary, HasSubstr("from slot 0 (snapshot 1) over " + GetParam().transport));
  EXPECT_EQ(*fresh->recovered_snapshot_digest(), digest);
  EXPECT_EQ(*fresh->digest(), digest);
  EXPECT_TRUE(contents(fresh->store()) == expected);
}

TEST_P(PingpongTest, SlotsAlternateAndTheNewestCommittedWins) {
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
  EXPECT_EQ(r2.extra["sequence"], 2);
  const auto want = contents(e->store());
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 2);
  EXPECT_EQ(rec.extra["slot"], 1);
  EXPECT_TRUE(contents(e->store()) == want);
  const SnapshotReport r3 = snapshot(*e);
  ASSERT_TRUE(r3.ok()) << r3.status.to_string();
  EXPECT_EQ(r3.extra["slot"], 0);
  EXPECT_EQ(r3.extra["sequence"], 3);
}

TEST_P(PingpongTest, ARegionTooSmallFailsTheSnapshotWithBothSizes) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam(), 1 << 20);  // two slots of 516 KiB
  auto e = f.open();
  fill(*e, 300, 0);
  const SnapshotReport small = snapshot(*e);
  ASSERT_TRUE(small.ok()) << small.status.to_string();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(e->put("big" + std::to_string(i), test_value(i, 7, 50000)).ok());
  const SnapshotReport r = snapshot(*e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status.code(), Status::Code::kResourceExhausted);
  EXPECT_THAT(r.status.message(), HasSubstr("the snapshot stream is " + std::to_string(*r.bytes) + " bytes"));
  const uint64_t capacity = remote::SlotAreas::halves(1 << 20).capacity;
  EXPECT_THAT(r.status.message(), HasSubstr("holds " + std::to_string(capacity)));
  // The earlier snapshot in the other slot is what recovery finds.
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(*rec.keys, 300);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 1"));
}

TEST_P(PingpongTest, ACorruptPayloadFallsBackToTheOtherSlotAndGarbageEverywhereFailsEmpty) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  fill(*e, 800, 1);
  const auto first = contents(e->store());
  ASSERT_TRUE(snapshot(*e).ok());
  fill(*e, 900, 2);
  ASSERT_TRUE(snapshot(*e).ok());
  RawRegion raw(f.node());
  const auto states = raw.slots();
  ASSERT_TRUE(states[1].committed);
  // Flip one byte in the middle of slot 1's stream.
  const uint64_t at = states[1].header->payload_offset + states[1].header->payload_bytes / 2;
  std::string b = raw.read(at, 1);
  b[0] = static_cast<char>(b[0] ^ 0x5a);
  raw.write(at, b);
  RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["slot"], 0);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 1 (snapshot 2)"));
  EXPECT_TRUE(contents(e->store()) == first);
  // Garbage in slot 0's header page: nothing is usable, the store is left empty.
  raw.write(remote::header_offset(0), std::string(512, '\x77'));
  rec = e->recover();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(e->store().size(), 0u);
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 0"));
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 1 (snapshot 2)"));
  EXPECT_FALSE(e->recovered_snapshot_digest().ok());
}

TEST_P(PingpongTest, AnEmptyRegionHasNothingToRecover) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  ASSERT_TRUE(e->put("k", "v").ok());
  const RecoveryReport rec = e->recover();
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.status.code(), Status::Code::kNotFound);
  EXPECT_THAT(rec.status.message(), HasSubstr("no committed snapshot"));
  EXPECT_THAT(rec.status.message(), HasSubstr("slot 0: empty"));
  EXPECT_EQ(e->store().size(), 0u);
}

TEST_P(PingpongTest, AChildKilledMidStreamLeavesItsSlotUncommittedAndThePreviousOneRecovers) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  fill(*e, 500, 0);
  ASSERT_TRUE(snapshot(*e).ok());  // slot 0, snapshot 1
  fill(*e, 600, 1);
  const auto second = contents(e->store());
  ASSERT_TRUE(snapshot(*e).ok());  // slot 1, snapshot 2
  fill(*e, 600, 2);
  e->set_test_child_pause_ms(10000);  // the third goes to slot 0 and dies there
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
  RawRegion raw(f.node());
  EXPECT_FALSE(raw.slots()[0].committed);  // its header still says snapshot 1, its commit word is gone
  const RecoveryReport rec = e->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 2);
  EXPECT_THAT(rec.extra["skipped"].get<std::string>(), HasSubstr("slot 0 (snapshot 1): never committed"));
  EXPECT_TRUE(contents(e->store()) == second);
  // The engine snapshots again afterwards, into the slot the dead child left.
  const SnapshotReport again = snapshot(*e);
  ASSERT_TRUE(again.ok()) << again.status.to_string();
  EXPECT_EQ(again.extra["slot"], 0);
  EXPECT_EQ(again.extra["sequence"], 3);  // the dead child never wrote a header with its number
}

TEST_P(PingpongTest, UpdatesWhileTheChildStreamsNeverAppearInTheRecoveredStore) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  auto e = f.open();
  fill(*e, 2000, 1);
  const auto at_fork = contents(e->store());
  e->set_test_child_pause_ms(300);
  ASSERT_TRUE(e->begin_snapshot().ok());
  for (int i = 0; i < 2000; i += 2) ASSERT_TRUE(e->put(test_key(i), test_value(i, 9, 77)).ok());
  for (int i = 1; i < 2000; i += 10) ASSERT_TRUE(e->del(test_key(i)).ok());
  for (int i = 5000; i < 5500; ++i) ASSERT_TRUE(e->put(test_key(i), "new").ok());
  std::optional<SnapshotReport> r;
  while (!(r = e->poll_snapshot())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(r->ok()) << r->status.to_string();
  auto fresh = f.open();
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_TRUE(contents(fresh->store()) == at_fork);
  EXPECT_EQ(*fresh->digest(), r->digest);
}

TEST_P(PingpongTest, TheNodeKilledMidSnapshotFailsItAndTheOtherSlotSurvivesARestartedNode) {
  SKIP_UNLESS_AVAILABLE();
  TempDir dir;
  Fixture f(GetParam(), kRegionBytes, {"--region-dir", dir.path()});
  auto e = f.open();
  fill(*e, 700, 1);
  const auto first = contents(e->store());
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
  // The transport's error, not a generic one (the parent-posts child only saw its side fail).
  EXPECT_EQ(r->status.code(), Status::Code::kUnavailable) << r->status.to_string();
  EXPECT_THAT(r->status.message(), HasSubstr("the memory node")) << r->status.to_string();
  // The parent keeps serving.
  ASSERT_TRUE(e->put("after", "the node died").ok());
  std::string v;
  ASSERT_TRUE(e->get("after", &v).ok());
  EXPECT_EQ(v, "the node died");
  // A node on the same region files: the first snapshot is there.
  f.start_node();
  auto fresh = f.open();
  const RecoveryReport rec = fresh->recover();
  ASSERT_TRUE(rec.ok()) << rec.status.to_string();
  EXPECT_EQ(rec.extra["sequence"], 1);
  EXPECT_TRUE(contents(fresh->store()) == first);
}

TEST_P(PingpongTest, BuffersOfEveryCountAndPrefaultChoiceGiveTheSameStream) {
  SKIP_UNLESS_AVAILABLE();
  Fixture f(GetParam());
  std::string digest;
  for (const auto& [buffers, prefault] : {std::pair{2, false}, std::pair{3, true}, std::pair{5, false}}) {
    PingpongOptions o = f.options();
    o.buffers = buffers;
    o.prefault_buffers = prefault;
    auto e = f.open(o);
    fill(*e, 1000, 3);
    const SnapshotReport r = snapshot(*e);
    ASSERT_TRUE(r.ok()) << r.status.to_string();
    if (digest.empty()) digest = r.digest;
    EXPECT_EQ(r.digest, digest);
    const RecoveryReport rec = e->recover();
    ASSERT_TRUE(rec.ok()) << rec.status.to_string();
    EXPECT_EQ(*e->digest(), digest);
  }
}

}  // namespace
}  // namespace rpbench::pingpong::testing
