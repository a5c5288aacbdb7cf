// The verbs transport's own cases, beyond the transport suite's (transport_test.cc and
// fork_test.cc, instantiated here for verbs): inline and non-inline writes, and selective
// signalling with many work requests in flight, each checked against the region's bytes in an
// in-process node (Regions plus a VerbsListener on $RXE_VM_IP). They run inside the Soft-RoCE VM
// (scripts/rxe_vm.sh; ctest label verbs, which also requires them: $RPBENCH_REQUIRE_TRANSPORT);
// elsewhere every test is reported skipped with the reason. Soft-RoCE under TCG is slow (tens of
// MB/s): the suite caps its transfers for verbs (transport_bed.cc).
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

#include "tests/transport/transport_suite.h"
#include "transport/memnode/region.h"
#include "transport/memnode/verbs_listener.h"
#include "transport/transport.h"
#include "transport/verbs_transport.h"

namespace rpbench::transport {

namespace testing {
INSTANTIATE_TEST_SUITE_P(Verbs, TransportTest, ::testing::Values("verbs"), transport_param_name);
}  // namespace testing

namespace {

using std::chrono::milliseconds;
constexpr const char* kToken = "verbs-test-token";

std::string vm_ip() { return std::getenv("RXE_VM_IP"); }

// A memory node in this process: regions plus the verbs listener on $RXE_VM_IP.
struct LocalNode {
  std::vector<std::unique_ptr<Region>> regions;
  std::unique_ptr<VerbsListener> listener;
  explicit LocalNode(uint64_t bytes, int count = 1) {
    std::vector<Region*> raw;
    for (int i = 0; i < count; ++i) {
      regions.push_back(testing::value_or_throw(Region::create(static_cast<uint32_t>(i), bytes, false)));
      raw.push_back(regions.back().get());
    }
    listener = testing::value_or_throw(VerbsListener::open(raw, vm_ip(), 0, kToken));
  }
  std::string endpoint() const { return listener->endpoint(); }
  uint8_t* data(int i = 0) const { return regions[static_cast<size_t>(i)]->data(); }
};

// A connection the test needs (a failure throws: gtest reports it with the message).
std::unique_ptr<Transport> must_connect(const TransportOptions& o, const std::string& endpoint) {
  return testing::value_or_throw(connect_verbs(o, endpoint));
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

TEST(VerbsTransport, InlineAndNonInlineWrites) {
  RPBENCH_SKIP_UNLESS_AVAILABLE("verbs");
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
  RPBENCH_SKIP_UNLESS_AVAILABLE("verbs");
  LocalNode node(4 << 20);
  TransportOptions o = verbs_options(2);
  o.chunk_bytes = 4096;
  o.queue_depth = 8;  // smaller than signal_every: a full queue must still get a signalled WR
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
  ASSERT_TRUE(transfer(*t, Op::kRead, r, 0, back.size(), 0).ok());
  EXPECT_EQ(back, big);
}

}  // namespace
}  // namespace rpbench::transport
