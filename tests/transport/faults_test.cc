// Faults of the shm and tcp transports beyond the transport suite's (transport_test.cc: nothing
// listening, a node killed with transfers pending or while idle): an unresolvable host, a
// listener that accepts but never answers the hello (connect fails after connect_timeout_ms, not
// much later), a node killed (SIGKILL, SIGTERM) while it cannot have finished any pending transfer
// (every one completes with an error, none ok, later posts fail), a tcp node that stops answering
// (SIGSTOP), a tcp node answering with an error code, a malformed response or EOF mid-payload (a
// fake node), and shm's link model (lower bounds only: a capped transfer takes at least bytes /
// bandwidth, an op at least the latency).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "tests/transport/test_util.h"
#include "tests/transport/transport_bed.h"
#include "transport/protocol.h"
#include "transport/socket_transports.h"

namespace rpbench::transport::testing {
namespace {

using Clock = std::chrono::steady_clock;

TransportOptions plain_options(const std::string& type, int timeout_ms) {
  TransportOptions o;
  o.type = type;
  o.token = "some-token";
  o.connect_timeout_ms = timeout_ms;
  o.channels = 2;
  return o;
}

TEST(TransportFaults, ShmNeedsAUnixEndpoint) {
  auto t = connect_shm(plain_options("shm", 2000), "127.0.0.1:1");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument) << t.status().message();
  EXPECT_NE(t.status().message().find("unix:PATH"), std::string::npos) << t.status().message();
}

TEST(TransportFaults, TcpUnresolvableHostNamesTheAddress) {
  auto t = connect_tcp(plain_options("tcp", 2000), "no-such-host.invalid:5000");
  ASSERT_FALSE(t.ok()) << "connected to an invalid host";
  EXPECT_NE(t.status().message().find("no-such-host.invalid:5000"), std::string::npos) << t.status().message();
}

// The kernel completes the connection (backlog) but nobody ever reads the hello.
void expect_silent_listener_times_out(const std::string& type, const std::string& endpoint) {
  constexpr int kTimeoutMs = 400;
  const auto start = Clock::now();
  auto t = transport::connect(plain_options(type, kTimeoutMs), endpoint);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(t.ok()) << "connected to a silent listener";
  const std::string& m = t.status().message();
  EXPECT_EQ(t.status().code(), Status::Code::kTimeout) << m;
  EXPECT_NE(m.find(endpoint), std::string::npos) << m;
  EXPECT_NE(m.find("timed out"), std::string::npos) << m;
  EXPECT_GE(elapsed, std::chrono::milliseconds(kTimeoutMs));
  // "Not much later": the deadline covers connect and handshake of every channel together.
  EXPECT_LT(elapsed, std::chrono::milliseconds(kTimeoutMs + 3000));
}

TEST(TransportFaults, TcpSilentListenerTimesOut) {
  TcpPort port(true);
  expect_silent_listener_times_out("tcp", port.endpoint);
}

TEST(TransportFaults, ShmSilentListenerTimesOut) {
  UnixPath p(true);
  expect_silent_listener_times_out("shm", "unix:" + p.path);
}

// The largest third field of a /proc/sys/net/ipv4/tcp_[rw]mem file ("min default max"), or 0.
uint64_t tcp_mem_max(const char* path) {
  std::ifstream in(path);
  uint64_t lo = 0, def = 0, max = 0;
  in >> lo >> def >> max;
  return max;
}

// More read payload per channel than the loopback socket buffers can ever hold (the node's send
// buffer plus our receive buffer at their autotuning maxima), so the node's thread stays stuck.
uint64_t stuck_read_bytes_per_channel() {
  const uint64_t buffers = tcp_mem_max("/proc/sys/net/ipv4/tcp_rmem") + tcp_mem_max("/proc/sys/net/ipv4/tcp_wmem");
  const uint64_t bytes = std::max<uint64_t>(48ull << 20, buffers + (16ull << 20));
  return (bytes + (1 << 20) - 1) / (1 << 20) * (1 << 20);
}

class NodeDeathTest : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

// Many large transfers pending, then the node dies. On tcp a huge read goes first on every channel:
// its payload is far more than the sockets buffer, so the node's connection threads are stuck
// sending it (we do not receive while posting) and cannot complete any later request: no transfer
// can have finished at the node when it dies, so none may complete ok.
TEST_P(NodeDeathTest, EveryPendingTransferFailsAndLaterPostsFail) {
  const auto& [type, sig] = GetParam();
  constexpr int kChannels = 2;
  const uint64_t read_bytes = kChannels * stuck_read_bytes_per_channel();
  constexpr uint64_t kWriteBytes = 8ull << 20;
  constexpr int kWrites = 6;
  TestNode node(transport_bed(type), read_bytes + kWrites * kWriteBytes);
  auto t = node.connect(kChannels, 1 << 20, 1024);  // deep queues: post() never has to wait
  TestBuffer rbuf(read_bytes), wbuf(kWrites * kWriteBytes);
  fill_pattern(wbuf.data(), wbuf.size(), 5);
  BufferId r = 0, w = 0;
  ASSERT_TRUE(t->register_buffer(rbuf.data(), rbuf.size(), &r).ok());
  ASSERT_TRUE(t->register_buffer(wbuf.data(), wbuf.size(), &w).ok());
  ASSERT_TRUE(t->post(Op::kRead, 100, r, 0, read_bytes, 0).ok());
  for (int i = 0; i < kWrites; ++i)
    ASSERT_TRUE(t->post(Op::kWrite, i, w, i * kWriteBytes, kWriteBytes, read_bytes + i * kWriteBytes).ok());
  ASSERT_EQ(t->pending(), static_cast<size_t>(kWrites + 1));

  node.kill_and_reap(sig);

  auto done = drain(*t);
  ASSERT_EQ(done.size(), static_cast<size_t>(kWrites + 1)) << "a transfer never completed";
  EXPECT_EQ(t->pending(), 0u);
  for (const Completion& c : done) {
    EXPECT_FALSE(c.status.ok()) << "transfer " << c.tag << " reported success after the node died";
    EXPECT_EQ(c.bytes, 0u);
    EXPECT_NE(c.status.message().find("went away"), std::string::npos) << c.status.message();
    EXPECT_NE(c.status.message().find(node.endpoint()), std::string::npos) << c.status.message();
  }
  Status later = t->post(Op::kWrite, 99, w, 0, 4096, 0);
  EXPECT_FALSE(later.ok());
  EXPECT_NE(later.message().find("went away"), std::string::npos) << later.message();
  EXPECT_EQ(t->pending(), 0u);
  EXPECT_TRUE(t->close().ok());
}

std::string death_name(const ::testing::TestParamInfo<std::tuple<std::string, int>>& info) {
  return std::get<0>(info.param) + (std::get<1>(info.param) == SIGKILL ? "_SIGKILL" : "_SIGTERM");
}

INSTANTIATE_TEST_SUITE_P(Sockets, NodeDeathTest,
                         ::testing::Combine(::testing::Values("shm", "tcp"), ::testing::Values(SIGKILL, SIGTERM)),
                         death_name);

// Stops a process and returns once the kernel reports it stopped: kill() alone returns before the
// signal is delivered, and a node still running could answer the next request.
void stop_and_wait(pid_t pid) {
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
  for (;;) {
    std::ifstream in(stat_path);
    std::string line;
    std::getline(in, line);
    const auto paren = line.rfind(')');
    ASSERT_NE(paren, std::string::npos) << stat_path << ": " << line;
    if (paren + 2 < line.size() && (line[paren + 2] == 'T' || line[paren + 2] == 't')) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// A node that stops answering but keeps its connections open (here: SIGSTOP) must not hang the
// caller: with transfers outstanding and no byte moving for io_timeout_ms, the channel fails, the
// pending transfers complete with errors and post() returns even when its channel was full.
TEST(TransportFaults, TcpStoppedNodeFailsAfterIoTimeout) {
  TestNode node(transport_bed("tcp"), 8 << 20);
  TransportOptions o = node.options(1, 1 << 20, 1);  // queue depth 1: the 2nd post must wait
  o.io_timeout_ms = 300;
  auto t = node.connect(o);
  TestBuffer b(4 << 20);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, 4096, 0).ok());
  stop_and_wait(node.process().pid());
  if (::testing::Test::HasFatalFailure()) return;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < 4; ++i) (void)t->post(Op::kRead, i, id, i << 20, 1 << 20, i << 20);
  auto done = drain(*t);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::kill(node.process().pid(), SIGCONT);
  ASSERT_EQ(t->pending(), 0u) << "transfers still pending " << s << " s after the node stopped";
  ASSERT_FALSE(done.empty());
  for (const Completion& c : done) {
    EXPECT_FALSE(c.status.ok()) << "transfer " << c.tag << " reported success from a stopped node";
    EXPECT_EQ(c.bytes, 0u);
  }
  EXPECT_NE(done[0].status.message().find("io_timeout_ms"), std::string::npos) << done[0].status.message();
  EXPECT_FALSE(t->post(Op::kWrite, 9, id, 0, 4096, 0).ok());
}

// A fake tcp memory node (one connection, blocking I/O in a thread) that says hello with a 1 MiB
// region and then follows a script: how a real client reacts to errors only a broken node makes.
class FakeNode {
 public:
  using Script = std::function<void(int fd)>;
  explicit FakeNode(Script script) : port_(true) {
    thread_ = std::thread([this, script = std::move(script)] {
      UniqueFd fd(::accept4(port_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!fd) return;
      std::array<uint8_t, protocol::kHelloBytes> hello;
      if (!recv_all(fd.get(), hello.data(), hello.size())) return;
      protocol::HelloReply reply;
      reply.region_bytes = 1 << 20;
      std::array<uint8_t, protocol::kHelloReplyBytes> out;
      protocol::encode(reply, out);
      if (!send_all(fd.get(), out.data(), out.size())) return;
      script(fd.get());
    });
  }
  ~FakeNode() {
    ::shutdown(port_.fd.get(), SHUT_RDWR);  // wakes accept() if the client never came
    thread_.join();
  }
  const std::string& endpoint() const { return port_.endpoint; }

  static bool recv_all(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t k = ::recv(fd, p, n, 0);
      if (k <= 0) return false;
      p += k;
      n -= static_cast<size_t>(k);
    }
    return true;
  }
  static bool send_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
      if (k <= 0) return false;
      p += k;
      n -= static_cast<size_t>(k);
    }
    return true;
  }
  // Reads one request (and a write's payload); nullopt when the client went away.
  static std::optional<protocol::RequestHeader> read_request(int fd) {
    std::array<uint8_t, protocol::kRequestBytes> raw;
    if (!recv_all(fd, raw.data(), raw.size())) return std::nullopt;
    protocol::RequestHeader h = protocol::decode_request(raw);
    if (h.op == static_cast<uint32_t>(protocol::ReqOp::kWrite)) {
      std::vector<uint8_t> payload(h.length);
      if (!recv_all(fd, payload.data(), payload.size())) return std::nullopt;
    }
    return h;
  }
  static void respond(int fd, protocol::Code code, uint64_t tag, const std::string& message, uint64_t length) {
    protocol::ResponseHeader r;
    r.code = code;
    r.tag = tag;
    r.message_len = static_cast<uint32_t>(message.size());
    r.length = length;
    std::array<uint8_t, protocol::kResponseBytes> out;
    protocol::encode(r, out);
    send_all(fd, out.data(), out.size());
    send_all(fd, reinterpret_cast<const uint8_t*>(message.data()), message.size());
  }

 private:
  TcpPort port_;
  std::thread thread_;
};

TransportOptions fake_options() {
  TransportOptions o = plain_options("tcp", 5000);
  o.channels = 1;
  return o;
}

TEST(TcpBrokenNode, ErrorCodeFailsOnlyThatTransferMalformedResponseBreaksTheTransport) {
  FakeNode node([](int fd) {
    auto first = FakeNode::read_request(fd);  // a write: refused with a message
    if (!first) return;
    FakeNode::respond(fd, protocol::Code::kOutOfBounds, first->tag, "fake node says no", 0);
    auto second = FakeNode::read_request(fd);  // a write: answered properly
    if (!second) return;
    FakeNode::respond(fd, protocol::Code::kOk, second->tag, "", 0);
    auto third = FakeNode::read_request(fd);  // a read: answered with the wrong tag
    if (!third) return;
    FakeNode::respond(fd, protocol::Code::kOk, third->tag + 1000, "", third->length);
    FakeNode::read_request(fd);  // until the client hangs up
  });
  auto t = value_or_throw(connect_tcp(fake_options(), node.endpoint()));
  EXPECT_EQ(t->region_bytes(), 1u << 20);
  TestBuffer b(4096);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());

  Status refused = transfer(*t, Op::kWrite, id, 0, 100, 0, std::chrono::seconds(10));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("fake node says no"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("outside the region"), std::string::npos) << refused.message();

  Status fine = transfer(*t, Op::kWrite, id, 0, 100, 0, std::chrono::seconds(10));
  EXPECT_TRUE(fine.ok()) << "an error response must fail only its own transfer: " << fine.message();

  Status bad = transfer(*t, Op::kRead, id, 0, 64, 0, std::chrono::seconds(10));
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("malformed"), std::string::npos) << bad.message();
  Status later = t->post(Op::kWrite, 5, id, 0, 16, 0);
  EXPECT_FALSE(later.ok());
  EXPECT_NE(later.message().find("malformed"), std::string::npos) << later.message();
  EXPECT_TRUE(t->close().ok());
}

TEST(TcpBrokenNode, EofInTheMiddleOfAReadPayloadFailsTheRead) {
  FakeNode node([](int fd) {
    auto req = FakeNode::read_request(fd);
    if (!req) return;
    FakeNode::respond(fd, protocol::Code::kOk, req->tag, "", req->length);
    std::vector<uint8_t> half(req->length / 2, 0x77);
    FakeNode::send_all(fd, half.data(), half.size());
    // Returning closes the connection half-way through the payload.
  });
  auto t = value_or_throw(connect_tcp(fake_options(), node.endpoint()));
  TestBuffer b(8192);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  Status r = transfer(*t, Op::kRead, id, 0, 8192, 0, std::chrono::seconds(10));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message().find("went away"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find(node.endpoint()), std::string::npos) << r.message();
}

TEST(ShmLinkModel, CappedTransferTakesAtLeastBytesOverBandwidth) {
  TestNode node(transport_bed("shm"), 64ull << 20);
  TransportOptions o = node.options(2, 1 << 20, 8);
  o.link.bandwidth_gbps = 8;  // 1 GB/s
  auto t = node.connect(o);
  EXPECT_NE(t->describe().find("link model 8 Gbit/s"), std::string::npos) << t->describe();
  constexpr uint64_t kBytes = 32ull << 20;
  TestBuffer b(kBytes);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  const auto start = Clock::now();
  ASSERT_TRUE(transfer(*t, Op::kWrite, id, 0, kBytes, 0).ok());
  const auto elapsed = Clock::now() - start;
  const auto floor = std::chrono::nanoseconds(static_cast<int64_t>(kBytes * 8 / 8.0));  // bytes * 8 / Gbit/s
  EXPECT_GE(elapsed, floor);

  // Two transfers share the link: together they take at least their bytes over the bandwidth.
  const auto start2 = Clock::now();
  ASSERT_TRUE(t->post(Op::kRead, 1, id, 0, kBytes / 2, 0).ok());
  ASSERT_TRUE(t->post(Op::kRead, 2, id, kBytes / 2, kBytes / 2, kBytes / 2).ok());
  ASSERT_EQ(drain(*t).size(), 2u);
  EXPECT_GE(Clock::now() - start2, floor);
}

TEST(ShmLinkModel, EveryOperationTakesAtLeastTheLatency) {
  TestNode node(transport_bed("shm"), 1 << 20);
  TransportOptions o = node.options();
  o.link.latency_us = 3000;
  auto t = node.connect(o);
  EXPECT_NE(t->describe().find("+ 3000 us"), std::string::npos) << t->describe();
  TestBuffer b(4096);
  BufferId id = 0;
  ASSERT_TRUE(t->register_buffer(b.data(), b.size(), &id).ok());
  for (Op op : {Op::kWrite, Op::kRead}) {
    const auto start = Clock::now();
    ASSERT_TRUE(t->post(op, 1, id, 0, 64, 0).ok());
    std::array<Completion, 1> c;
    EXPECT_EQ(t->poll(c), 0u) << "completed before the modelled latency";
    ASSERT_EQ(t->wait(c, std::chrono::seconds(10)), 1u);
    EXPECT_TRUE(c[0].status.ok());
    EXPECT_GE(Clock::now() - start, std::chrono::microseconds(3000));
  }
}

}  // namespace
}  // namespace rpbench::transport::testing
