// The remote snapshot slots (engines/remote): header encoding and its checks, and the commit
// protocol over real transports (shm and tcp to a real memory node): the slot a snapshot goes
// to, the sequence numbers, an uncommitted slot never taken, a damaged one refused, the other
// slot still there.
#include "engines/remote/remote_slots.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engines/remote/checksum.h"
#include "tests/transport/transport_bed.h"
#include "transport/transport.h"

namespace rpbench::remote {
namespace {

using transport::testing::TestNode;
using transport::testing::transport_bed;

SlotHeader sample_header(uint64_t seq, uint64_t offset) {
  SlotHeader h;
  h.kind = PayloadKind::kRdbStream;
  h.format_version = 3;
  h.sequence = seq;
  h.payload_offset = offset;
  h.payload_bytes = 12345;
  h.payload_checksum = 0x1122334455667788ull;
  h.digest = ContentDigest{1, 2, 3};
  h.created_unix_ns = 99;
  h.extra = {1, 2, 3, 4, 5};
  return h;
}

TEST(SlotHeader, RoundTripsAndRefusesDamage) {
  std::vector<uint8_t> page(kHeaderPageBytes);
  const SlotHeader h = sample_header(7, kHeadersBytes);
  encode_header(h, page.data());
  StatusOr<SlotHeader> back = decode_header(page.data());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->sequence, 7u);
  EXPECT_EQ(back->format_version, 3u);
  EXPECT_EQ(back->payload_bytes, 12345u);
  EXPECT_EQ(back->payload_checksum, h.payload_checksum);
  EXPECT_EQ(back->digest, h.digest);
  EXPECT_EQ(back->extra, h.extra);
  EXPECT_EQ(stored_commit_word(page.data()), 0u) << "encode_header never commits";
  EXPECT_NE(expected_commit_word(page.data()), 0u);

  std::vector<uint8_t> zero(kHeaderPageBytes, 0);
  EXPECT_TRUE(decode_header(zero.data()).status().not_found());
  for (size_t pos : {size_t{0}, size_t{9}, size_t{30}, size_t{100}}) {
    std::vector<uint8_t> bad = page;
    bad[pos] ^= 0x40;
    const auto r = decode_header(bad.data());
    ASSERT_FALSE(r.ok()) << "byte " << pos;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().message();
  }
  // A header of another layout version is named as such (not as damage).
  std::vector<uint8_t> other = page;
  other[8] = 9;
  EXPECT_NE(decode_header(other.data()).status().message().find("layout version 9"), std::string::npos);
  // The commit word depends on the header: another snapshot's word does not validate this one.
  std::vector<uint8_t> page2(kHeaderPageBytes);
  encode_header(sample_header(8, kHeadersBytes), page2.data());
  EXPECT_NE(expected_commit_word(page.data()), expected_commit_word(page2.data()));
}

// Candidates as candidates() gives them: `committed` newest first, `all` every slot.
RemoteSlots::Candidates candidates_of(std::vector<uint64_t> committed_sequences) {
  RemoteSlots::Candidates c;
  for (size_t i = 0; i < kSlotCount; ++i) {
    c.all[i].slot = static_cast<int>(i);
    c.all[i].problem = Status::NotFound("empty (no header)");
  }
  for (size_t i = 0; i < committed_sequences.size(); ++i) {
    SlotState& s = c.all[i];
    s.header = sample_header(committed_sequences[i], 0);
    s.committed = true;
    s.problem = Status::Ok();
    c.committed.push_back(s);
  }
  return c;
}

TEST(RecoverNewest, TakesTheNewestSlotThatLoadsAndSaysWhyTheOthersWereSkipped) {
  std::vector<std::string> tried;
  auto load = [&](const SlotState& s, const std::string& name) {
    tried.push_back(name);
    return s.header->sequence == 9 ? Status::Corruption("bad checksum") : Status::Ok();
  };
  const SlotRecovery got = recover_newest(candidates_of({9, 8}), "engine-x", load);
  ASSERT_TRUE(got.status.ok()) << got.status.message();
  EXPECT_EQ(got.slot, 1);
  EXPECT_EQ(got.name, "slot 1 (snapshot 8)");
  EXPECT_EQ(tried, (std::vector<std::string>{"slot 0 (snapshot 9)", "slot 1 (snapshot 8)"}));
  EXPECT_EQ(got.skipped, "slot 0 (snapshot 9): bad checksum");
}

TEST(RecoverNewest, NoCommittedSlotIsNotFoundAndNoneLoadingIsCorruption) {
  int calls = 0;
  const SlotRecovery none = recover_newest(candidates_of({}), "engine-x", [&](const SlotState&, const std::string&) {
    ++calls;
    return Status::Ok();
  });
  EXPECT_EQ(none.status.code(), Status::Code::kNotFound);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(none.status.message().rfind("engine-x: no committed snapshot", 0), 0u) << none.status.message();
  EXPECT_NE(none.status.message().find("slot 1"), std::string::npos) << "names the empty slots";

  const SlotRecovery bad = recover_newest(candidates_of({4}), "engine-x", [](const SlotState&, const std::string&) {
    return Status::IoError("the node went away");
  });
  EXPECT_EQ(bad.status.code(), Status::Code::kCorruption);
  EXPECT_EQ(bad.slot, -1);
  EXPECT_NE(bad.status.message().find("slot 0 (snapshot 4): the node went away"), std::string::npos)
      << bad.status.message();
  EXPECT_NE(bad.status.message().find("slot 1"), std::string::npos) << "names the uncommitted slot too";
}

TEST(Checksum64, StreamingEqualsOneShot) {
  std::vector<uint8_t> data(1 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + (i >> 11));
  Checksum64 c;
  for (size_t off = 0; off < data.size(); off += 4099)
    c.update(data.data() + off, std::min<size_t>(4099, data.size() - off));
  EXPECT_EQ(c.digest(), checksum64(data.data(), data.size()));
  data[12345] ^= 1;
  EXPECT_NE(c.digest(), checksum64(data.data(), data.size()));
}

class RemoteSlotsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(transport_bed(GetParam()), kRegion);
    t_ = node_->connect();
    auto s = RemoteSlots::open(*t_);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    slots_ = std::move(*s);
  }
  static constexpr uint64_t kRegion = 8 << 20;
  // A whole snapshot of `len` bytes of `fill` into the prepared slot, committed.
  RemoteSlots::Target snapshot(uint8_t fill, uint64_t len, bool commit = true) {
    auto target = slots_->prepare();
    EXPECT_TRUE(target.ok()) << target.status().to_string();
    const SlotAreas areas = SlotAreas::halves(t_->region_bytes());
    std::vector<uint8_t> payload(len, fill);
    transport::BufferId id = 0;
    EXPECT_TRUE(t_->register_buffer(payload.data(), payload.size(), &id).ok());
    EXPECT_TRUE(transport::transfer(*t_, transport::Op::kWrite, id, 0, len, areas.offset(target->slot)).ok());
    EXPECT_TRUE(t_->deregister_buffer(id).ok());
    if (commit) {
      SlotHeader h = sample_header(target->sequence, areas.offset(target->slot));
      h.payload_bytes = len;
      h.payload_checksum = checksum64(payload.data(), len);
      EXPECT_TRUE(slots_->commit(target->slot, h).ok());
    }
    return *target;
  }

  std::unique_ptr<TestNode> node_;
  std::unique_ptr<transport::Transport> t_;
  std::unique_ptr<RemoteSlots> slots_;
};

TEST_P(RemoteSlotsTest, AnEmptyRegionHasNoCandidates) {
  auto c = slots_->candidates();
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_TRUE(c->committed.empty());
  EXPECT_NE(describe(c->all[0]).find("empty"), std::string::npos) << describe(c->all[0]);
}

TEST_P(RemoteSlotsTest, SnapshotsAlternateAndTheNewestCommittedIsFirst) {
  const auto a = snapshot(0xa1, 1000);
  EXPECT_EQ(a.slot, 0);
  EXPECT_EQ(a.sequence, 1u);
  const auto b = snapshot(0xb2, 2000);
  EXPECT_EQ(b.slot, 1);
  EXPECT_EQ(b.sequence, 2u);
  const auto c = snapshot(0xc3, 3000);
  EXPECT_EQ(c.slot, 0) << "the slot of the older snapshot is reused";
  EXPECT_EQ(c.sequence, 3u);
  auto cand = slots_->candidates();
  ASSERT_TRUE(cand.ok());
  ASSERT_EQ(cand->committed.size(), 2u);
  EXPECT_EQ(cand->committed[0].header->sequence, 3u);
  EXPECT_EQ(cand->committed[0].header->payload_bytes, 3000u);
  EXPECT_EQ(cand->committed[1].header->sequence, 2u);
}

TEST_P(RemoteSlotsTest, ASnapshotThatNeverCommitsLeavesThePreviousOneTheOnlyCandidate) {
  snapshot(0x11, 500);                        // 1 in slot 0, committed
  const auto b = snapshot(0x22, 700);         // 2 in slot 1, committed
  const auto c = snapshot(0x33, 900, false);  // 3 into slot 0: prepared, written, never committed
  EXPECT_EQ(c.slot, 0);
  auto cand = slots_->candidates();
  ASSERT_TRUE(cand.ok());
  ASSERT_EQ(cand->committed.size(), 1u);
  EXPECT_EQ(cand->committed[0].slot, b.slot);
  EXPECT_EQ(cand->committed[0].header->sequence, 2u);
  EXPECT_NE(describe(cand->all[0]).find("never committed"), std::string::npos) << describe(cand->all[0]);
  // The next snapshot goes to slot 0 again (the uncommitted one) and is numbered above all seen.
  const auto d = snapshot(0x44, 100);
  EXPECT_EQ(d.slot, 0);
  EXPECT_EQ(d.sequence, 3u) << "snapshot 3 never wrote its header, so its number is given again";
}

TEST_P(RemoteSlotsTest, AFreshConnectionSeesTheSameSlots) {
  snapshot(0x55, 4096);
  auto t2 = node_->connect();
  auto s2 = RemoteSlots::open(*t2);
  ASSERT_TRUE(s2.ok());
  auto cand = (*s2)->candidates();
  ASSERT_TRUE(cand.ok());
  ASSERT_EQ(cand->committed.size(), 1u);
  EXPECT_EQ(cand->committed[0].header->payload_bytes, 4096u);
}

INSTANTIATE_TEST_SUITE_P(Sockets, RemoteSlotsTest, ::testing::Values("shm", "tcp"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace rpbench::remote
