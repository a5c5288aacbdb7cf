// What every transport must do, against a real rpbench-memnode (the transport suite,
// transport_suite.h: shm and tcp on the host, verbs in the Soft-RoCE VM): connect and describe
// itself; byte-exact write and read back across channels, sizes (1 byte up to the bed's largest
// transfer), unaligned offsets and chunks smaller than transfers; many outstanding transfers with
// distinct tags; the region's last byte; a second connection seeing the first one's writes; post()
// argument and bounds errors; close() waiting for pending transfers; a wrong token, an unknown
// region and bad options refused at connect; an unreachable node failing within the timeout
// naming the address; a node killed mid-transfer or while idle failing every pending transfer.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/token.h"
#include "tests/transport/transport_suite.h"

namespace rpbench::transport::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST_P(TransportTest, ConnectsAndDescribesItself) {
  TestNode& node = shared_node();
  const TransportOptions o = node.options(2, 1 << 20, 32);
  auto t = node.connect(o);
  EXPECT_EQ(t->name(), name());
  EXPECT_EQ(t->region_bytes(), kRegion);
  EXPECT_EQ(t->channels(), 2);
  const std::string d = t->describe();
  EXPECT_EQ(d.rfind(name() + " ", 0), 0u) << d;
  EXPECT_NE(d.find(node.endpoint()), std::string::npos) << d;
  for (const std::string& m : bed().describe_mentions(o)) EXPECT_NE(d.find(m), std::string::npos) << m << " in " << d;
  EXPECT_TRUE(t->close().ok());
  BufferId id = 0;
  std::vector<uint8_t> b(64);
  EXPECT_EQ(t->register_buffer(b.data(), b.size(), &id).code(), Status::Code::kFailedPrecondition)
      << "a closed transport accepts nothing";
}

TEST_P(TransportTest, WriteThenReadBackAcrossChannelsSizesAndOffsets) {
  const std::vector<uint64_t> sizes = {1, 7, 4096, 65537, (1 << 20) + 3, capped(5 << 20)};
  TestBuffer src(8 << 20), dst(8 << 20);
  uint32_t seed = 1;
  for (int channels : {1, 2, 4}) {
    // A 192 KiB chunk: every transfer over it is cut and striped.
    auto t = shared_node().connect(channels, 192 << 10, 8);
    ASSERT_EQ(t->channels(), channels);
    BufferId s = 0, d = 0;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
    for (uint64_t size : sizes) {
      for (uint64_t local_off : {uint64_t{0}, uint64_t{13}}) {
        const uint64_t remote_off = 4099 * seed % (1 << 20) + 1;  // unaligned, different per case
        SCOPED_TRACE(name() + " channels " + std::to_string(channels) + " size " + std::to_string(size) +
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
    EXPECT_EQ(t->pending(), 0u);
    EXPECT_TRUE(t->close().ok());
  }
}

TEST_P(TransportTest, LargeTransferStripedOverTwoChannels) {
  const uint64_t size = capped(64ull << 20);
  TestBuffer src(size), dst(size);
  fill_pattern(src.data(), size, 77);
  auto t = shared_node().connect(2, 1 << 20, 16);
  BufferId s = 0, d = 0;
  ASSERT_TRUE(t->register_buffer(src.data(), size, &s).ok());
  ASSERT_TRUE(t->register_buffer(dst.data(), size, &d).ok());
  ASSERT_TRUE(t->post(Op::kWrite, 42, s, 0, size, 0).ok());
  std::array<Completion, 4> c;
  ASSERT_EQ(t->wait(c, std::chrono::seconds(60)), 1u);
  EXPECT_EQ(c[0].tag, 42u);
  ASSERT_TRUE(c[0].status.ok()) << c[0].status.message();
  EXPECT_EQ(c[0].bytes, size);
  EXPECT_EQ(t->pending(), 0u);
  Status r = transfer(*t, Op::kRead, d, 0, size, 0);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(first_mismatch(dst.data(), size, 77), size);
}

TEST_P(TransportTest, ManyOutstandingTransfersWithDistinctTags) {
  constexpr int kTransfers = 300;
  constexpr uint64_t kEach = 12345;  // not a multiple of the chunk
  TestBuffer src(kTransfers * kEach), dst(kTransfers * kEach);
  fill_pattern(src.data(), src.size(), 9);
  // Queue depth 4 over 2 channels: post() itself must make progress to find room (verbs: a
  // queue shallower than signal_every still gets a signalled work request).
  auto t = shared_node().connect(2, 4096, 4);
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
    ASSERT_TRUE(
        std::equal(src.data() + i * kEach, src.data() + (i + 1) * kEach, dst.data() + (kTransfers - 1 - i) * kEach))
        << "block " << i;
}

// Reads whose replies are far more than loopback sockets buffer (on shm and tcp: 48 MiB per
// channel, all reading the same 16 MiB), interleaved with large writes, all posted before
// anything is polled: a client that blocked in send while the node is blocked sending it read
// replies would deadlock here.
TEST_P(TransportTest, InterleavedLargeReadsAndWritesDoNotDeadlock) {
  const uint64_t kRead = capped(16ull << 20), kWrite = kRead / 4;
  constexpr int kPairs = 6;
  TestBuffer src(kRead), dst(kPairs * kRead), wsrc(kPairs * kWrite), check(kPairs * kWrite);
  fill_pattern(src.data(), src.size(), 61);
  fill_pattern(wsrc.data(), wsrc.size(), 62);
  auto t = shared_node().connect(2, 1 << 20, 64);
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
  auto t = shared_node().connect(2, 1000, 8);
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
  auto a = shared_node().connect(2, 64 << 10);
  auto b = shared_node().connect(1, 1 << 20);
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
  auto t = shared_node().connect(2, 4096);
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
      {"length overflowing", Op::kRead, id, 0, ~uint64_t{0}, 4096, "outside buffer"},
      {"unknown op", static_cast<Op>(9), id, 0, 16, 0, "unknown op"},
  };
  for (const Case& c : cases) {
    Status s = t->post(c.op, 7, c.buf, c.local_off, c.len, c.remote_off);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.what;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << c.what << ": " << s.message();
  }
  EXPECT_EQ(t->pending(), 0u);
  std::array<Completion, 4> out;
  EXPECT_EQ(t->wait(out, milliseconds(50)), 0u);

  // The connection keeps working after refused posts (the region's last bytes), and so does the
  // node for another client.
  fill_pattern(b.data(), 100, 8);
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, 100, region - 100).ok());
  auto other = shared_node().connect(1);
  TestBuffer back(100);
  BufferId bid = 0;
  ASSERT_TRUE(other->register_buffer(back.data(), back.size(), &bid).ok());
  ASSERT_TRUE(transfer(*other, Op::kRead, bid, 0, 100, region - 100).ok());
  EXPECT_EQ(first_mismatch(back.data(), 100, 8), 100u);

  // A buffer in use cannot be deregistered; once its transfer completed it can, and then it is unknown.
  ASSERT_TRUE(t->post(Op::kWrite, 8, id, 0, 16384, 0).ok());
  EXPECT_EQ(t->deregister_buffer(id).code(), Status::Code::kFailedPrecondition);
  ASSERT_EQ(drain(*t).size(), 1u);
  EXPECT_TRUE(t->deregister_buffer(id).ok());
  EXPECT_FALSE(t->post(Op::kWrite, 9, id, 0, 16, 0).ok());
  EXPECT_FALSE(t->deregister_buffer(id).ok());

  // Closed: every post fails.
  BufferId id2 = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id2).ok());
  EXPECT_TRUE(t->close().ok());
  Status closed = t->post(Op::kWrite, 10, id2, 0, 16, 0);
  EXPECT_EQ(closed.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(closed.message().find("closed"), std::string::npos) << closed.message();
  EXPECT_EQ(t->pending(), 0u);
}

TEST_P(TransportTest, CloseWaitsForPendingTransfersThenRefusesPosts) {
  TestBuffer src(4 << 20), dst(4 << 20);
  fill_pattern(src.data(), src.size(), 55);
  {
    auto t = shared_node().connect(2, 256 << 10);
    BufferId s = 0;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    ASSERT_TRUE(t->post(Op::kWrite, 1, s, 0, src.size(), 40 << 20).ok());
    ASSERT_TRUE(t->post(Op::kWrite, 2, s, 0, src.size(), 44 << 20).ok());
    EXPECT_FALSE(t->deregister_buffer(s).ok()) << "a buffer with transfers in flight cannot be deregistered";
    EXPECT_GT(t->pending(), 0u);
    EXPECT_TRUE(t->close().ok());
    EXPECT_EQ(t->pending(), 0u);
    EXPECT_FALSE(t->post(Op::kWrite, 3, s, 0, 16, 0).ok());
    EXPECT_TRUE(t->close().ok()) << "close() is idempotent";
  }
  auto t = shared_node().connect();
  BufferId d = 0;
  ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
  for (uint64_t at : {40ull << 20, 44ull << 20}) {
    std::fill_n(dst.data(), dst.size(), uint8_t{0});
    ASSERT_TRUE(transfer(*t, Op::kRead, d, 0, dst.size(), at).ok());
    EXPECT_EQ(first_mismatch(dst.data(), dst.size(), 55), dst.size()) << "close() let the write at " << at << " finish";
  }
}

TEST_P(TransportTest, WrongTokenIsRefusedAtConnect) {
  TransportOptions o = shared_node().options(2);
  o.token = "not-the-token";
  auto t = shared_node().try_connect(o);
  ASSERT_FALSE(t.ok()) << "connected with a wrong token";
  const std::string& m = t.status().message();
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << m;
  EXPECT_NE(m.find(shared_node().endpoint()), std::string::npos) << m;
  EXPECT_NE(m.find("wrong token"), std::string::npos) << m;
}

TEST_P(TransportTest, NoSuchRegionIsRefusedAtConnectAndTheNodeServesOthers) {
  TransportOptions o = shared_node().options();
  o.region = 3;
  auto t = shared_node().try_connect(o);
  ASSERT_FALSE(t.ok()) << "connected to a region the node does not have";
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << t.status().message();
  EXPECT_NE(t.status().message().find("no such region"), std::string::npos) << t.status().message();
  EXPECT_EQ(shared_node().connect()->region_bytes(), kRegion);
}

TEST_P(TransportTest, BadOptionsAreRejected) {
  std::vector<std::pair<const char*, TransportOptions>> bad;
  auto with = [&](const char* what, auto change) {
    TransportOptions o = shared_node().options();
    change(o);
    bad.emplace_back(what, o);
  };
  with("no channel", [](TransportOptions& o) { o.channels = 0; });
  with("too many channels", [](TransportOptions& o) { o.channels = kMaxChannels + 1; });
  with("queue depth 0", [](TransportOptions& o) { o.queue_depth = 0; });
  with("queue too deep", [](TransportOptions& o) { o.queue_depth = kMaxQueueDepth + 1; });
  with("chunk 0", [](TransportOptions& o) { o.chunk_bytes = 0; });
  with("chunk too large", [](TransportOptions& o) { o.chunk_bytes = kMaxChunkBytes + 1; });
  with("io timeout 0", [](TransportOptions& o) { o.io_timeout_ms = 0; });
  with("connect timeout 0", [](TransportOptions& o) { o.connect_timeout_ms = 0; });
  with("no token", [](TransportOptions& o) { o.token.clear(); });
  const char* env = std::getenv(kTokenEnv);
  const std::string saved = env != nullptr ? env : "";
  ::unsetenv(kTokenEnv);
  for (const auto& [what, o] : bad) {
    auto t = shared_node().try_connect(o);
    EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << what << ": " << t.status().to_string();
  }
  if (env != nullptr) ::setenv(kTokenEnv, saved.c_str(), 1);
}

TEST_P(TransportTest, UnreachableNodeFailsWithinTheTimeoutNamingTheAddress) {
  constexpr int kTimeoutMs = 2000;
  const std::unique_ptr<Nowhere> nowhere = bed().nowhere();
  for (size_t i = 0; i < nowhere->endpoints.size(); ++i) {
    const std::string& ep = nowhere->endpoints[i];
    SCOPED_TRACE(ep);
    TransportOptions o;
    o.type = name();
    o.token = "some-token";
    o.channels = 2;
    o.connect_timeout_ms = kTimeoutMs;
    const auto t0 = Clock::now();
    auto t = transport::connect(o, ep);
    const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
    ASSERT_FALSE(t.ok()) << "connected to " << ep;
    const Status& s = t.status();
    EXPECT_TRUE(s.code() == Status::Code::kUnavailable || s.code() == Status::Code::kTimeout) << s.to_string();
    EXPECT_NE(s.message().find(ep), std::string::npos) << s.message();
    EXPECT_LT(ms, kTimeoutMs + 3000) << "connect must give up after connect_timeout_ms";
    RecordProperty("unreachable_ms_" + std::to_string(i), std::to_string(ms));
  }
}

// The node dies (SIGKILL) with writes in flight, and the client keeps a pipeline of writes going
// until the transport refuses a post. Every posted transfer completes exactly once, at least one
// fails, none succeeds after a failure (one channel: completions in posting order), the failures
// name the node, and later posts are refused. Which transfers fail is not fixed (a NIC, or rxe's
// loopback, can finish what was posted before the kill); faults_test's NodeDeathTest shows for
// shm and tcp that none may succeed when the node cannot have finished any.
TEST_P(TransportTest, NodeKilledMidTransferFailsPendingTransfers) {
  TestNode node(bed(), 32ull << 20);
  auto t = node.connect(1, 1 << 20, 64);
  const uint64_t big = capped(8ull << 20);
  TestBuffer buf(big);
  std::fill_n(buf.data(), buf.size(), uint8_t{0x3c});
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(buf.data(), buf.size(), &id).ok());
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, 4096, 0).ok()) << "the node works";
  uint64_t posted = 0;
  for (; posted < 4; ++posted) ASSERT_TRUE(t->post(Op::kWrite, posted, id, 0, big, posted * big).ok());
  node.kill_and_reap(SIGKILL);
  const auto t0 = Clock::now();
  std::vector<Completion> got;
  Status refusal;
  while (Clock::now() - t0 < std::chrono::seconds(30)) {
    std::array<Completion, 8> c;
    const size_t n = t->wait(c, milliseconds(100));
    got.insert(got.end(), c.begin(), c.begin() + static_cast<long>(n));
    if (!refusal.ok() && t->pending() == 0) break;
    while (refusal.ok() && t->pending() < 4) {
      Status p = t->post(Op::kWrite, posted, id, 0, 1 << 20, (posted % 32) << 20);
      if (p.ok()) {
        ++posted;
      } else {
        refusal = p;  // broken: later posts are refused
      }
    }
  }
  const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - t0).count();
  RecordProperty("failure_noticed_ms", std::to_string(ms));
  ASSERT_FALSE(refusal.ok()) << "the transport never reported the dead node";
  EXPECT_EQ(refusal.code(), Status::Code::kUnavailable) << refusal.to_string();
  EXPECT_NE(refusal.message().find(node.endpoint()), std::string::npos) << refusal.message();
  ASSERT_EQ(got.size(), posted) << "every posted transfer completes";
  EXPECT_EQ(t->pending(), 0u);
  std::set<uint64_t> tags;
  bool failed = false;
  for (const Completion& c : got) {
    tags.insert(c.tag);
    EXPECT_FALSE(failed && c.status.ok()) << "transfer " << c.tag << " reported success after a failed one";
    if (c.status.ok()) continue;
    failed = true;
    EXPECT_EQ(c.bytes, 0u);
    EXPECT_NE(c.status.message().find(node.endpoint()), std::string::npos) << c.status.message();
  }
  EXPECT_EQ(tags.size(), got.size()) << "a transfer completed twice";
  EXPECT_TRUE(failed) << "no pending transfer failed";
}

// An idle transport whose node went away learns it at the next call, and posts fail.
TEST_P(TransportTest, IdleTransportLearnsTheNodeWentAway) {
  TestNode node(bed(), 1 << 20);
  auto t = node.connect(2);
  TestBuffer b(4096);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, 4096, 0).ok());
  node.kill_and_reap(SIGKILL);
  // The post may be accepted before the death is noticed; its completion must then be an error.
  Status p = t->post(Op::kWrite, 1, id, 0, 4096, 0);
  if (p.ok()) {
    auto done = drain(*t);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_FALSE(done[0].status.ok());
  }
  EXPECT_FALSE(t->post(Op::kWrite, 2, id, 0, 4096, 0).ok());
}

}  // namespace
}  // namespace rpbench::transport::testing
