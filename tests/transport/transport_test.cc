// The shm and tcp transports against a real rpbench-memnode: byte-exact write and read back across
// channels, sizes (1 byte to 64 MiB), unaligned offsets and chunks smaller than transfers; many
// outstanding transfers with distinct tags; the region's last byte; a second connection seeing the
// first one's writes; post() argument errors; a wrong token refused at connect.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/transport/sockets_test_util.h"

namespace rpbench::transport::testing {
namespace {

constexpr uint64_t kRegion = 80ull << 20;  // lazily allocated: only what a test touches costs memory

class TransportTest : public ::testing::TestWithParam<Kind> {
 protected:
  static void SetUpTestSuite() { node_ = new TestNode(kRegion); }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }
  static TestNode* node_;
};
TestNode* TransportTest::node_ = nullptr;

TEST_P(TransportTest, WriteThenReadBackAcrossChannelsSizesAndOffsets) {
  const Kind kind = GetParam();
  const std::vector<uint64_t> sizes = {1, 7, 4096, 65537, (1 << 20) + 3, 5 << 20};
  TestBuffer src(8 << 20), dst(8 << 20);
  uint32_t seed = 1;
  for (int channels : {1, 2, 4}) {
    // A 192 KiB chunk: every transfer over it is cut and striped.
    auto t = node_->connect(kind, channels, 192 << 10, 8);
    ASSERT_EQ(t->channels(), channels);
    BufferId s = 0, d = 0;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
    for (uint64_t size : sizes) {
      for (uint64_t local_off : {uint64_t{0}, uint64_t{13}}) {
        const uint64_t remote_off = 4099 * seed % (1 << 20) + 1;  // unaligned, different per case
        SCOPED_TRACE(kind_name(kind) + " channels " + std::to_string(channels) + " size " + std::to_string(size) +
                     " local_off " + std::to_string(local_off) + " remote_off " + std::to_string(remote_off));
        fill_pattern(src.data() + local_off, size, seed);
        std::fill_n(dst.data(), size + 64, uint8_t{0xAA});
        Status w = transfer(*t, Op::kWrite, s, local_off, size, remote_off);
        ASSERT_TRUE(w.ok()) << w.message();
        Status r = transfer(*t, Op::kRead, d, 5, size, remote_off);
        ASSERT_TRUE(r.ok()) << r.message();
        ASSERT_EQ(first_mismatch(dst.data() + 5, size, seed), size);
        EXPECT_EQ(dst.data()[4], 0xAA) << "a read wrote before its local offset";
        EXPECT_EQ(dst.data()[5 + size], 0xAA) << "a read wrote past its length";
        ++seed;
      }
    }
    EXPECT_TRUE(t->close().ok());
  }
}

TEST_P(TransportTest, SixtyFourMiBTransferStripedOverTwoChannels) {
  const Kind kind = GetParam();
  constexpr uint64_t kSize = 64ull << 20;
  TestBuffer src(kSize), dst(kSize);
  fill_pattern(src.data(), kSize, 77);
  auto t = node_->connect(kind, 2, 1 << 20, 16);
  BufferId s = 0, d = 0;
  ASSERT_TRUE(t->register_buffer(src.data(), kSize, &s).ok());
  ASSERT_TRUE(t->register_buffer(dst.data(), kSize, &d).ok());
  ASSERT_TRUE(t->post(Op::kWrite, 42, s, 0, kSize, 0).ok());
  std::array<Completion, 4> c;
  ASSERT_EQ(t->wait(c, std::chrono::seconds(30)), 1u);
  EXPECT_EQ(c[0].tag, 42u);
  ASSERT_TRUE(c[0].status.ok()) << c[0].status.message();
  EXPECT_EQ(c[0].bytes, kSize);
  EXPECT_EQ(t->pending(), 0u);
  Status r = transfer(*t, Op::kRead, d, 0, kSize, 0);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(dst.data(), kSize, 77), kSize);
}

TEST_P(TransportTest, ManyOutstandingTransfersWithDistinctTags) {
  const Kind kind = GetParam();
  constexpr int kTransfers = 300;
  constexpr uint64_t kEach = 12345;  // not a multiple of the chunk
  TestBuffer src(kTransfers * kEach), dst(kTransfers * kEach);
  fill_pattern(src.data(), src.size(), 9);
  // Queue depth 4 over 2 channels: post() itself must make progress to find room.
  auto t = node_->connect(kind, 2, 4096, 4);
  BufferId s = 0, d = 0;
  ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
  ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
  std::map<uint64_t, int> seen;
  std::array<Completion, 32> c;
  for (int i = 0; i < kTransfers; ++i) {
    Status p = t->post(Op::kWrite, 1000 + i, s, i * kEach, kEach, (kTransfers - 1 - i) * kEach);
    ASSERT_TRUE(p.ok()) << p.message();
    if (i % 50 == 0) {  // take some completions while others are still being posted
      size_t n = t->poll(c);
      for (size_t k = 0; k < n; ++k) {
        ASSERT_TRUE(c[k].status.ok()) << c[k].status.message();
        ++seen[c[k].tag];
      }
    }
  }
  for (const Completion& x : drain(*t)) {
    ASSERT_TRUE(x.status.ok()) << x.status.message();
    EXPECT_EQ(x.bytes, kEach);
    ++seen[x.tag];
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kTransfers));
  for (auto& [tag, count] : seen) {
    EXPECT_GE(tag, 1000u);
    EXPECT_LT(tag, 1000u + kTransfers);
    EXPECT_EQ(count, 1) << "tag " << tag;
  }
  // Read all back in one transfer: remote is the source reversed in kEach blocks.
  ASSERT_TRUE(transfer(*t, Op::kRead, d, 0, dst.size(), 0).ok());
  for (int i = 0; i < kTransfers; ++i)
    ASSERT_TRUE(std::equal(src.data() + i * kEach, src.data() + (i + 1) * kEach,
                           dst.data() + (kTransfers - 1 - i) * kEach))
        << "block " << i;
}

// Reads whose replies are far more than loopback sockets buffer (48 MiB per channel, all reading
// the same 16 MiB), interleaved with large writes, all posted before anything is polled: a client
// that blocked in send while the node is blocked sending it read replies would deadlock here.
TEST_P(TransportTest, InterleavedLargeReadsAndWritesDoNotDeadlock) {
  const Kind kind = GetParam();
  constexpr uint64_t kRead = 16ull << 20, kWrite = 4ull << 20;
  constexpr int kPairs = 6;
  TestBuffer src(kRead), dst(kPairs * kRead), wsrc(kPairs * kWrite), check(kPairs * kWrite);
  fill_pattern(src.data(), src.size(), 61);
  fill_pattern(wsrc.data(), wsrc.size(), 62);
  auto t = node_->connect(kind, 2, 1 << 20, 64);
  BufferId s = 0, d = 0, w = 0, c = 0;
  ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
  ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
  ASSERT_TRUE(t->register_buffer(wsrc.data(), wsrc.size(), &w).ok());
  ASSERT_TRUE(t->register_buffer(check.data(), check.size(), &c).ok());
  ASSERT_TRUE(transfer(*t, Op::kWrite, s, 0, src.size(), 0).ok());
  const uint64_t write_base = kRead;
  for (int i = 0; i < kPairs; ++i) {
    ASSERT_TRUE(t->post(Op::kRead, 2 * i, d, i * kRead, kRead, 0).ok());
    ASSERT_TRUE(t->post(Op::kWrite, 2 * i + 1, w, i * kWrite, kWrite, write_base + i * kWrite).ok());
  }
  auto done = drain(*t, std::chrono::seconds(60));
  ASSERT_EQ(done.size(), 2u * kPairs);
  for (const Completion& x : done) EXPECT_TRUE(x.status.ok()) << x.status.message();
  for (int i = 0; i < kPairs; ++i) EXPECT_EQ(first_mismatch(dst.data() + i * kRead, kRead, 61), kRead) << "read " << i;
  ASSERT_TRUE(transfer(*t, Op::kRead, c, 0, check.size(), write_base).ok());
  EXPECT_EQ(first_mismatch(check.data(), check.size(), 62), check.size());
}

TEST_P(TransportTest, RegionsLastByteAndLastChunk) {
  const Kind kind = GetParam();
  auto t = node_->connect(kind, 2, 1000, 8);
  ASSERT_EQ(t->region_bytes(), kRegion);
  TestBuffer b(8192);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  b.data()[0] = 0x5A;
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, 1, kRegion - 1).ok());
  fill_pattern(b.data() + 1, 4096, 3);
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 1, 4096, kRegion - 4097).ok());  // ends on the byte before
  std::fill_n(b.data(), b.size(), uint8_t{0});
  Status r = transfer(*t, Op::kRead, id, 100, 4097, kRegion - 4097);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(b.data() + 100, 4096, 3), 4096u);
  EXPECT_EQ(b.data()[100 + 4096], 0x5A);
}

TEST_P(TransportTest, SecondConnectionSeesTheFirstOnesWrites) {
  const Kind kind = GetParam();
  auto a = node_->connect(kind, 2, 64 << 10);
  auto b = node_->connect(kind, 1, 1 << 20);
  TestBuffer src(1 << 20), dst(1 << 20);
  fill_pattern(src.data(), src.size(), 1234);
  BufferId s = 0, d = 0;
  ASSERT_TRUE(a->register_buffer(src.data(), src.size(), &s).ok());
  ASSERT_TRUE(b->register_buffer(dst.data(), dst.size(), &d).ok());
  ASSERT_TRUE(transfer(*a, Op::kWrite, s, 0, src.size(), 3 << 20).ok());
  ASSERT_TRUE(transfer(*b, Op::kRead, d, 0, dst.size(), 3 << 20).ok());
  EXPECT_EQ(first_mismatch(dst.data(), dst.size(), 1234), dst.size());
}

TEST_P(TransportTest, PostArgumentErrorsProduceNoCompletion) {
  const Kind kind = GetParam();
  auto t = node_->connect(kind, 2, 4096);
  const uint64_t region = t->region_bytes();
  TestBuffer b(16384);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  struct Case {
    const char* what;
    Op op;
    BufferId buf;
    uint64_t local_off, len, remote_off;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"unknown buffer", Op::kWrite, id + 100, 0, 16, 0, "unknown buffer"},
      {"length 0", Op::kRead, id, 0, 0, 0, "length 0"},
      {"local range past the buffer", Op::kWrite, id, 16000, 1000, 0, "outside buffer"},
      {"local offset past the buffer", Op::kRead, id, 20000, 1, 0, "outside buffer"},
      {"remote range past the region", Op::kWrite, id, 0, 2, region - 1, "outside the region"},
      {"remote offset at the region's end", Op::kRead, id, 0, 1, region, "outside the region"},
      {"remote offset overflowing", Op::kWrite, id, 0, 16, ~uint64_t{0} - 4, "outside the region"},
      {"local offset overflowing", Op::kWrite, id, ~uint64_t{0} - 4, 16, 0, "outside buffer"},
      {"unknown op", static_cast<Op>(9), id, 0, 16, 0, "unknown op"},
  };
  for (const Case& c : cases) {
    Status s = t->post(c.op, 7, c.buf, c.local_off, c.len, c.remote_off);
    EXPECT_FALSE(s.ok()) << c.what;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.what << ": " << s.message();
  }
  EXPECT_EQ(t->pending(), 0u);
  std::array<Completion, 4> out;
  EXPECT_EQ(t->wait(out, std::chrono::milliseconds(50)), 0u);

  // A buffer in use cannot be deregistered; once its transfer completed it can, and then it is unknown.
  ASSERT_TRUE(t->post(Op::kWrite, 8, id, 0, 16384, 0).ok());
  EXPECT_FALSE(t->deregister_buffer(id).ok());
  ASSERT_EQ(drain(*t).size(), 1u);
  EXPECT_TRUE(t->deregister_buffer(id).ok());
  EXPECT_FALSE(t->post(Op::kWrite, 9, id, 0, 16, 0).ok());
  EXPECT_FALSE(t->deregister_buffer(id).ok());

  // Closed: every post fails.
  BufferId id2 = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id2).ok());
  EXPECT_TRUE(t->close().ok());
  Status closed = t->post(Op::kWrite, 10, id2, 0, 16, 0);
  EXPECT_FALSE(closed.ok());
  EXPECT_NE(closed.message().find("closed"), std::string::npos) << closed.message();
  EXPECT_EQ(t->pending(), 0u);
}

TEST_P(TransportTest, CloseWaitsForPendingTransfers) {
  const Kind kind = GetParam();
  TestBuffer src(4 << 20), dst(4 << 20);
  fill_pattern(src.data(), src.size(), 55);
  {
    auto t = node_->connect(kind, 2, 256 << 10);
    BufferId s = 0;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    ASSERT_TRUE(t->post(Op::kWrite, 1, s, 0, src.size(), 40 << 20).ok());
    EXPECT_TRUE(t->close().ok());
    EXPECT_EQ(t->pending(), 0u);
  }
  auto t = node_->connect(kind);
  BufferId d = 0;
  ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
  ASSERT_TRUE(transfer(*t, Op::kRead, d, 0, dst.size(), 40 << 20).ok());
  EXPECT_EQ(first_mismatch(dst.data(), dst.size(), 55), dst.size());
}

TEST_P(TransportTest, WrongTokenIsRefusedAtConnect) {
  const Kind kind = GetParam();
  TransportOptions o = node_->options(kind, 2);
  o.token = "not-the-token";
  auto t = node_->try_connect(kind, o);
  ASSERT_FALSE(t.ok()) << "connected with a wrong token";
  const std::string& m = t.status().message();
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << m;
  EXPECT_NE(m.find(node_->endpoint(kind)), std::string::npos) << m;
  EXPECT_NE(m.find("wrong token"), std::string::npos) << m;
}

TEST_P(TransportTest, NoSuchRegionIsRefusedAtConnect) {
  const Kind kind = GetParam();
  TransportOptions o = node_->options(kind);
  o.region = 3;
  auto t = node_->try_connect(kind, o);
  ASSERT_FALSE(t.ok()) << "connected to a region the node does not have";
  EXPECT_NE(t.status().message().find("no such region"), std::string::npos) << t.status().message();
}

TEST_P(TransportTest, DescribeNamesTransportEndpointAndShape) {
  const Kind kind = GetParam();
  auto t = node_->connect(kind, 2, 1 << 20, 32);
  std::string d = t->describe();
  EXPECT_EQ(t->name(), kind_name(kind));
  EXPECT_EQ(d.rfind(kind_name(kind) + " ", 0), 0u) << d;
  EXPECT_NE(d.find(node_->endpoint(kind)), std::string::npos) << d;
  EXPECT_NE(d.find("2 channels"), std::string::npos) << d;
  EXPECT_NE(d.find("chunk 1 MiB"), std::string::npos) << d;
  EXPECT_NE(d.find("queue depth 32"), std::string::npos) << d;
  if (kind == Kind::kShm) {
    EXPECT_NE(d.find("1 copying thread"), std::string::npos) << d;
  }
}

TEST_P(TransportTest, BadOptionsAreRejected) {
  const Kind kind = GetParam();
  TransportOptions o = node_->options(kind);
  o.channels = 0;
  EXPECT_EQ(node_->try_connect(kind, o).status().code(), Status::Code::kInvalidArgument);
  o = node_->options(kind);
  o.chunk_bytes = 0;
  EXPECT_EQ(node_->try_connect(kind, o).status().code(), Status::Code::kInvalidArgument);
  o = node_->options(kind);
  o.queue_depth = 0;
  EXPECT_EQ(node_->try_connect(kind, o).status().code(), Status::Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Sockets, TransportTest, ::testing::Values(Kind::kShm, Kind::kTcp), kind_param_name);

}  // namespace
}  // namespace rpbench::transport::testing
