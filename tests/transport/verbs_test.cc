// The verbs transport against real rdma-core: these tests run inside the Soft-RoCE VM
// (scripts/rxe_vm.sh; ctest label `verbs`), where rxe0 sits on a dummy netdev at $RXE_VM_IP.
// Outside the VM every test is skipped with the reason. Nodes: an in-process VerbsListener over
// Regions (so the region's bytes can be checked directly) and, where a node must die, the real
// rpbench-memnode --verbs started through MemnodeProcess. Soft-RoCE under TCG is slow (tens of
// MB/s): sizes are kept small enough for the whole binary to run in seconds.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/memnode/region.h"
#include "transport/memnode/verbs_listener.h"
#include "transport/transport.h"
#include "transport/verbs_transport.h"
#include "transport/memnode_process.h"

namespace rpbench::transport {
namespace {

using std::chrono::milliseconds;
constexpr const char* kToken = "verbs-test-token";

#define SKIP_OUTSIDE_VM()                                                                       \
  if (!std::getenv("RXE_VM") || !std::getenv("RXE_VM_IP")) {                                    \
    GTEST_SKIP() << "not inside the Soft-RoCE VM (RXE_VM is not set): run through scripts/rxe_vm.sh, " \
                    "e.g. ctest -L verbs";                                                      \
  }

std::string vm_ip() { return std::getenv("RXE_VM_IP"); }

// A memory node in this process: regions plus the verbs listener on $RXE_VM_IP.
struct LocalNode {
  std::vector<std::unique_ptr<Region>> regions;
  std::unique_ptr<VerbsListener> listener;
  explicit LocalNode(uint64_t bytes, int count = 1) {
    std::vector<Region*> raw;
    for (int i = 0; i < count; ++i) {
      regions.push_back(std::make_unique<Region>(static_cast<uint32_t>(i), bytes, false));
      raw.push_back(regions.back().get());
    }
    listener = std::make_unique<VerbsListener>(raw, vm_ip(), 0, kToken);
  }
  std::string endpoint() const { return listener->endpoint(); }
  uint8_t* data(int i = 0) const { return regions[static_cast<size_t>(i)]->data(); }
};

// A connection the test needs (a failure throws: gtest reports it with the message).
std::unique_ptr<Transport> must_connect(const TransportOptions& o, const std::string& endpoint) {
  auto t = connect_verbs(o, endpoint);
  if (!t.ok()) throw std::runtime_error(t.status().to_string());
  return std::move(*t);
}

TransportOptions verbs_options(int channels = 1) {
  TransportOptions o;
  o.type = "verbs";
  o.channels = channels;
  o.token = kToken;
  o.connect_timeout_ms = 10000;  // TCG is slow
  return o;
}

void fill(uint8_t* p, size_t n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    p[i] = static_cast<uint8_t>(x >> 24);
  }
}

// Collects completions until `count` arrived or `timeout` passed.
std::vector<Completion> collect(Transport& t, size_t count, milliseconds timeout) {
  std::vector<Completion> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<Completion, 16> buf;
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    size_t n = t.wait(buf, milliseconds(200));
    for (size_t i = 0; i < n; ++i) got.push_back(buf[i]);
  }
  return got;
}

// One transfer, waited for (like transport::transfer(), which lives with the socket transports).
Status run_transfer(Transport& t, Op op, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  if (t.pending() != 0) return Status::Internal("run_transfer: transfers pending");
  Status posted = t.post(op, 77, buf, local_off, len, remote_off);
  if (!posted.ok()) return posted;
  auto c = collect(t, 1, milliseconds(60000));
  if (c.size() != 1) return Status::Internal("no completion within 60 s");
  if (c[0].tag != 77) return Status::Internal("unexpected completion tag");
  if (c[0].status.ok() && c[0].bytes != len) return Status::Internal("completion with the wrong byte count");
  return c[0].status;
}

TEST(VerbsTransport, ConnectsAndDescribesTheRegion) {
  SKIP_OUTSIDE_VM();
  LocalNode node(1 << 20);
  auto t = must_connect(verbs_options(2), node.endpoint());
  EXPECT_EQ(t->name(), "verbs");
  EXPECT_EQ(t->region_bytes(), 1u << 20);
  EXPECT_EQ(t->channels(), 2);
  EXPECT_NE(t->describe().find("device rxe0"), std::string::npos) << t->describe();
  EXPECT_NE(t->describe().find(node.endpoint()), std::string::npos) << t->describe();
  EXPECT_TRUE(t->close().ok());
  BufferId id;
  std::vector<uint8_t> b(64);
  EXPECT_FALSE(t->register_buffer(b.data(), b.size(), &id).ok()) << "a closed transport accepts nothing";
}

TEST(VerbsTransport, WriteThenReadAcrossChannelsAndSizes) {
  SKIP_OUTSIDE_VM();
  const uint64_t kRegion = 40ull << 20;
  LocalNode node(kRegion);
  for (int channels : {1, 2, 4}) {
    SCOPED_TRACE("channels " + std::to_string(channels));
    TransportOptions o = verbs_options(channels);
    o.chunk_bytes = 256 << 10;  // a 16 MiB transfer is 64 chunks striped over the QPs
    o.queue_depth = 16;
    auto t = must_connect(o, node.endpoint());
    std::vector<uint64_t> sizes = {1, 7, 4096, 65537, (1u << 20) + 3};
    if (channels == 4) sizes.push_back(16u << 20);
    const size_t max = *std::max_element(sizes.begin(), sizes.end());
    std::vector<uint8_t> src(max + 64), dst(max + 64);
    BufferId s, d;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    ASSERT_TRUE(t->register_buffer(dst.data(), dst.size(), &d).ok());
    uint32_t seed = 0;
    for (uint64_t len : sizes) {
      SCOPED_TRACE("size " + std::to_string(len));
      const uint64_t local_off = 5, remote_off = 4096 * static_cast<uint64_t>(channels) + 13;
      fill(src.data() + local_off, len, ++seed + 100 * static_cast<uint32_t>(channels));
      ASSERT_TRUE(run_transfer(*t, Op::kWrite, s, local_off, len, remote_off).ok());
      ASSERT_EQ(0, std::memcmp(node.data() + remote_off, src.data() + local_off, len)) << "region bytes after the write";
      std::fill(dst.begin(), dst.end(), 0);
      Status r = run_transfer(*t, Op::kRead, d, 9, len, remote_off);
      ASSERT_TRUE(r.ok()) << r.message();
      ASSERT_EQ(0, std::memcmp(dst.data() + 9, src.data() + local_off, len)) << "bytes read back";
      EXPECT_EQ(dst[8], 0) << "read wrote before its range";
      EXPECT_EQ(dst[9 + len], 0) << "read wrote past its range";
    }
    EXPECT_EQ(t->pending(), 0u);
    EXPECT_TRUE(t->close().ok());
  }
}

TEST(VerbsTransport, InlineAndNonInlineWrites) {
  SKIP_OUTSIDE_VM();
  LocalNode node(1 << 20);
  for (int max_inline : {-1, 0}) {
    SCOPED_TRACE("max_inline " + std::to_string(max_inline));
    TransportOptions o = verbs_options(1);
    o.verbs.max_inline = max_inline;
    auto t = must_connect(o, node.endpoint());
    const std::string d = t->describe();
    if (max_inline == 0) {
      EXPECT_NE(d.find("max_inline 0 "), std::string::npos) << d;
    } else {
      EXPECT_EQ(d.find("max_inline 0 "), std::string::npos) << "rxe supports inline sends: " << d;
    }
    std::vector<uint8_t> src(512);
    BufferId s;
    ASSERT_TRUE(t->register_buffer(src.data(), src.size(), &s).ok());
    // Many small writes, each a different size, posted back to back, then checked in the region.
    uint64_t remote = 0;
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> expect;
    for (uint64_t len = 1; len <= 256; len += 15) {
      fill(src.data(), len, static_cast<uint32_t>(len + 7 * (max_inline + 2)));
      ASSERT_TRUE(t->post(Op::kWrite, len, s, 0, len, remote).ok());
      // The source may be reused once the write completed: wait for it.
      auto c = collect(*t, 1, milliseconds(20000));
      ASSERT_EQ(c.size(), 1u);
      ASSERT_TRUE(c[0].status.ok()) << c[0].status.message();
      EXPECT_EQ(c[0].tag, len);
      EXPECT_EQ(c[0].bytes, len);
      expect.emplace_back(remote, std::vector<uint8_t>(src.begin(), src.begin() + static_cast<long>(len)));
      remote += len + 3;
    }
    for (auto& [off, bytes] : expect) EXPECT_EQ(0, std::memcmp(node.data() + off, bytes.data(), bytes.size()));
    std::memset(node.data(), 0, remote);
  }
}

TEST(VerbsTransport, SelectiveSignallingManyWorkRequests) {
  SKIP_OUTSIDE_VM();
  LocalNode node(4 << 20);
  TransportOptions o = verbs_options(2);
  o.chunk_bytes = 4096;
  o.queue_depth = 8;        // smaller than signal_every: a full queue must still get a signalled WR
  o.verbs.signal_every = 16;
  auto t = must_connect(o, node.endpoint());
  std::vector<uint8_t> big(1 << 20), small(200 * 512);
  fill(big.data(), big.size(), 1);
  fill(small.data(), small.size(), 2);
  BufferId b, s;
  ASSERT_TRUE(t->register_buffer(big.data(), big.size(), &b).ok());
  ASSERT_TRUE(t->register_buffer(small.data(), small.size(), &s).ok());
  // One transfer of 256 WRs, then 200 one-WR transfers, all in flight together.
  ASSERT_TRUE(t->post(Op::kWrite, 1000, b, 0, big.size(), 0).ok());
  for (uint64_t i = 0; i < 200; ++i) ASSERT_TRUE(t->post(Op::kWrite, i, s, i * 512, 512, (2 << 20) + i * 512).ok());
  auto got = collect(*t, 201, milliseconds(60000));
  ASSERT_EQ(got.size(), 201u);
  std::map<uint64_t, int> seen;
  for (auto& c : got) {
    EXPECT_TRUE(c.status.ok()) << c.status.message();
    ++seen[c.tag];
  }
  EXPECT_EQ(seen.size(), 201u) << "every transfer completes exactly once";
  EXPECT_EQ(t->pending(), 0u);
  EXPECT_EQ(0, std::memcmp(node.data(), big.data(), big.size()));
  EXPECT_EQ(0, std::memcmp(node.data() + (2 << 20), small.data(), small.size()));
  // And a read of many chunks back.
  std::vector<uint8_t> back(big.size());
  BufferId r;
  ASSERT_TRUE(t->register_buffer(back.data(), back.size(), &r).ok());
  ASSERT_TRUE(run_transfer(*t, Op::kRead, r, 0, back.size(), 0).ok());
  EXPECT_EQ(back, big);
}

TEST(VerbsTransport, CloseWaitsForPendingTransfersAndThenRefusesPosts) {
  SKIP_OUTSIDE_VM();
  LocalNode node(8 << 20);
  TransportOptions o = verbs_options(2);
  o.chunk_bytes = 64 << 10;
  auto t = must_connect(o, node.endpoint());
  std::vector<uint8_t> buf(4 << 20);
  fill(buf.data(), buf.size(), 8);
  BufferId id;
  ASSERT_TRUE(t->register_buffer(buf.data(), buf.size(), &id).ok());
  for (uint64_t i = 0; i < 2; ++i) ASSERT_TRUE(t->post(Op::kWrite, i, id, 0, buf.size(), i * buf.size()).ok());
  EXPECT_FALSE(t->deregister_buffer(id).ok()) << "a buffer with transfers in flight cannot be deregistered";
  EXPECT_GT(t->pending(), 0u);
  ASSERT_TRUE(t->close().ok());
  EXPECT_EQ(t->pending(), 0u);
  EXPECT_EQ(0, std::memcmp(node.data(), buf.data(), buf.size())) << "close() let the first write finish";
  EXPECT_EQ(0, std::memcmp(node.data() + buf.size(), buf.data(), buf.size())) << "and the second";
  EXPECT_FALSE(t->post(Op::kWrite, 3, id, 0, 16, 0).ok());
  EXPECT_TRUE(t->close().ok()) << "close() is idempotent";
}

TEST(VerbsTransport, BoundsViolationsAreRefusedAndTheNodeServesOthers) {
  SKIP_OUTSIDE_VM();
  LocalNode node(1 << 20);
  auto a = must_connect(verbs_options(1), node.endpoint());
  auto b = must_connect(verbs_options(2), node.endpoint());
  std::vector<uint8_t> buf(8192);
  fill(buf.data(), buf.size(), 3);
  BufferId id;
  ASSERT_TRUE(a->register_buffer(buf.data(), buf.size(), &id).ok());
  struct Case {
    const char* what;
    BufferId buf;
    uint64_t local_off, len, remote_off;
  };
  const uint64_t region = a->region_bytes();
  for (const Case& c : {Case{"past the region end", id, 0, 4096, region - 100},
                        Case{"offset beyond the region", id, 0, 1, region + 1},
                        Case{"length overflowing", id, 0, ~0ull, 4096},
                        Case{"zero length", id, 0, 0, 0},
                        Case{"past the local buffer", id, 4096, 8192, 0},
                        Case{"unknown buffer", id + 7, 0, 16, 0}}) {
    for (Op op : {Op::kWrite, Op::kRead}) {
      Status st = a->post(op, 1, c.buf, c.local_off, c.len, c.remote_off);
      EXPECT_FALSE(st.ok()) << c.what;
      EXPECT_FALSE(st.message().empty()) << c.what;
    }
  }
  EXPECT_EQ(a->pending(), 0u) << "a refused post makes no completion";
  std::array<Completion, 4> none;
  EXPECT_EQ(a->poll(none), 0u);
  // Both clients keep working: the last byte of the region, and a transfer on the other client.
  ASSERT_TRUE(run_transfer(*a, Op::kWrite, id, 0, 100, region - 100).ok());
  EXPECT_EQ(0, std::memcmp(node.data() + region - 100, buf.data(), 100));
  BufferId bid;
  ASSERT_TRUE(b->register_buffer(buf.data(), buf.size(), &bid).ok());
  ASSERT_TRUE(run_transfer(*b, Op::kWrite, bid, 0, 8192, 0).ok());
  EXPECT_EQ(0, std::memcmp(node.data(), buf.data(), 8192));
}

TEST(VerbsTransport, WrongTokenAndUnknownRegionAreRejectedAtConnect) {
  SKIP_OUTSIDE_VM();
  LocalNode node(1 << 20);
  TransportOptions o = verbs_options(1);
  o.token = "not-the-token";
  auto wrong = connect_verbs(o, node.endpoint());
  ASSERT_FALSE(wrong.ok()) << "connected with a wrong token";
  EXPECT_NE(wrong.status().message().find("wrong token"), std::string::npos) << wrong.status().message();
  EXPECT_NE(wrong.status().message().find(node.endpoint()), std::string::npos) << wrong.status().message();
  o = verbs_options(1);
  o.region = 7;
  auto no_region = connect_verbs(o, node.endpoint());
  ASSERT_FALSE(no_region.ok()) << "connected to a region the node does not have";
  EXPECT_NE(no_region.status().message().find("no such region"), std::string::npos) << no_region.status().message();
  // The node still serves a good client.
  auto t = must_connect(verbs_options(1), node.endpoint());
  EXPECT_EQ(t->region_bytes(), 1u << 20);
}

TEST(VerbsTransport, UnreachableNodeFailsWithinTheTimeoutNamingTheAddress) {
  SKIP_OUTSIDE_VM();
  std::string closed_port;
  {
    LocalNode node(4096);
    closed_port = node.endpoint();
  }  // nothing listens there any more
  const std::string no_host = "10.77.0.99:7000";  // on rxe0's subnet, no such host (dummy0 answers no ARP)
  for (const std::string& ep : {closed_port, no_host}) {
    TransportOptions o = verbs_options(1);
    o.connect_timeout_ms = 2000;
    auto t0 = std::chrono::steady_clock::now();
    auto t = connect_verbs(o, ep);
    ASSERT_FALSE(t.ok()) << "connected to " << ep;
    EXPECT_NE(t.status().message().find(ep), std::string::npos) << t.status().message();
    auto ms = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(ms, 2000 + 3000) << ep << ": connect must give up after connect_timeout_ms";
    RecordProperty("unreachable_ms_" + std::string(ep == no_host ? "no_host" : "closed_port"), std::to_string(ms));
  }
}

TEST(VerbsTransport, MemnodeKilledMidTransferFailsPendingTransfers) {
  SKIP_OUTSIDE_VM();
  MemnodeLaunch launch;
  launch.binary = RPBENCH_MEMNODE_BINARY;
  launch.listen_address = vm_ip();
  launch.region_bytes = 32ull << 20;
  launch.token = kToken;
  launch.shm = false;
  launch.verbs = true;
  auto started = MemnodeProcess::start(launch);
  ASSERT_TRUE(started.ok()) << started.status().message();
  MemnodeProcess& node = **started;
  ASSERT_FALSE(node.endpoints().verbs.empty()) << node.ready_line();
  auto t = must_connect(verbs_options(1), node.endpoints().verbs);
  std::vector<uint8_t> buf(8 << 20, 0x3c);
  BufferId id;
  ASSERT_TRUE(t->register_buffer(buf.data(), buf.size(), &id).ok());
  // The real node works...
  ASSERT_TRUE(run_transfer(*t, Op::kWrite, id, 0, 4096, 0).ok());
  // ...then it dies with writes in flight, and the client keeps a pipeline of writes going until
  // the transport reports the failure (rxe's loopback can finish what was posted before the kill).
  uint64_t posted = 0;
  for (; posted < 4; ++posted) ASSERT_TRUE(t->post(Op::kWrite, posted, id, 0, buf.size(), posted * buf.size()).ok());
  ASSERT_EQ(::kill(node.pid(), SIGKILL), 0);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Completion> got;
  bool refused = false;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
    std::array<Completion, 8> c;
    size_t n = t->wait(c, milliseconds(100));
    got.insert(got.end(), c.begin(), c.begin() + static_cast<long>(n));
    if (refused && t->pending() == 0) break;
    while (!refused && t->pending() < 4) {
      if (t->post(Op::kWrite, posted, id, 0, 1 << 20, (posted % 32) << 20).ok()) {
        ++posted;
      } else {
        refused = true;  // broken: later posts are refused
      }
    }
  }
  auto ms = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0).count();
  RecordProperty("failure_noticed_ms", std::to_string(ms));
  std::printf("memnode killed: the client learnt it after %lld ms, %zu transfers completed\n",
              static_cast<long long>(ms), got.size());
  EXPECT_TRUE(refused) << "the transport never reported the dead node";
  ASSERT_EQ(got.size(), posted) << "every posted transfer completes";
  EXPECT_EQ(t->pending(), 0u);
  bool failed = false;
  for (auto& c : got) {  // one channel: completions come in posting order
    if (!c.status.ok()) failed = true;
    EXPECT_FALSE(failed && c.status.ok()) << "a transfer after a failed one on the same QP reported success";
    if (!c.status.ok()) {
      EXPECT_EQ(c.bytes, 0u);
    }
  }
  EXPECT_TRUE(failed) << "no pending transfer failed";
  EXPECT_FALSE(node.stop().ok()) << "the node was killed";
}

// fork mode (a): a forked child opens its own connection (and measures how long that takes).
TEST(VerbsTransport, ForkedChildConnectsAnew) {
  SKIP_OUTSIDE_VM();
  LocalNode node(1 << 20);
  auto parent = must_connect(verbs_options(1), node.endpoint());  // the parent's own, unused by the child
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    int rc = 1;
    double connect_us = -1;
    try {
      auto t0 = std::chrono::steady_clock::now();
      auto t = must_connect(verbs_options(1), node.endpoint());
      connect_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      std::vector<uint8_t> b(65536), r(65536);
      fill(b.data(), b.size(), 5);
      BufferId bid, rid;
      Status st = t->register_buffer(b.data(), b.size(), &bid);
      if (st.ok()) st = t->register_buffer(r.data(), r.size(), &rid);
      if (st.ok()) st = run_transfer(*t, Op::kWrite, bid, 0, b.size(), 4096);
      if (st.ok()) st = run_transfer(*t, Op::kRead, rid, 0, r.size(), 4096);
      if (st.ok() && r != b) st = Status::Internal("read back differs");
      if (st.ok()) st = t->close();
      if (st.ok()) rc = 0;
      else std::fprintf(stderr, "child: %s\n", st.message().c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      rc = 2;
    }
    [[maybe_unused]] ssize_t n = ::write(fds[1], &connect_us, sizeof(connect_us));
    ::_exit(rc);
  }
  ::close(fds[1]);
  double connect_us = -1;
  ASSERT_EQ(::read(fds[0], &connect_us, sizeof(connect_us)), static_cast<ssize_t>(sizeof(connect_us)));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child crashed";
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the child's own connection failed";
  EXPECT_GT(connect_us, 0);
  RecordProperty("child_connect_us", std::to_string(static_cast<int64_t>(connect_us)));
  std::printf("fork mode (a): the child's connection set-up took %.0f us (Soft-RoCE under TCG)\n", connect_us);
  std::vector<uint8_t> expect(65536);
  fill(expect.data(), expect.size(), 5);
  EXPECT_EQ(0, std::memcmp(node.data() + 4096, expect.data(), expect.size())) << "the child's write is in the region";
  // The parent's transport is unaffected by the fork.
  std::vector<uint8_t> pb(4096, 0x5a);
  BufferId id;
  ASSERT_TRUE(parent->register_buffer(pb.data(), pb.size(), &id).ok());
  EXPECT_TRUE(run_transfer(*parent, Op::kWrite, id, 0, pb.size(), 0).ok());
  EXPECT_EQ(node.data()[0], 0x5a);
}

// fork mode (b): a MAP_SHARED buffer registered by the parent, filled by a forked child, posted by
// the parent.
TEST(VerbsTransport, ChildFillsSharedBufferParentPosts) {
  SKIP_OUTSIDE_VM();
  LocalNode node(4 << 20);
  auto t = must_connect(verbs_options(2), node.endpoint());
  const size_t len = 2 << 20;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* buf = static_cast<uint8_t*>(p);
  BufferId id;
  ASSERT_TRUE(t->register_buffer(buf, len, &id).ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    fill(buf, len, 6);  // the child only writes memory: no verbs call
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::vector<uint8_t> expect(len);
  fill(expect.data(), len, 6);
  ASSERT_EQ(0, std::memcmp(buf, expect.data(), len)) << "the parent sees the child's bytes";
  Status w = run_transfer(*t, Op::kWrite, id, 0, len, 4096);
  ASSERT_TRUE(w.ok()) << w.message();
  EXPECT_EQ(0, std::memcmp(node.data() + 4096, expect.data(), len)) << "what the NIC sent is what the child wrote";
  std::memset(buf, 0, len);
  ASSERT_TRUE(run_transfer(*t, Op::kRead, id, 0, len, 4096).ok());
  EXPECT_EQ(0, std::memcmp(buf, expect.data(), len));
  EXPECT_TRUE(t->close().ok());
  ::munmap(p, len);
}

}  // namespace
}  // namespace rpbench::transport
