// The memory node (rpbench-memnode) as a black box: started through MemnodeProcess, spoken to by
// hand over raw TCP and unix sockets with the protocol of transport/protocol.h. Covers the ready
// line, byte-exact write/read, every handshake refusal, bounds and framing errors (and that they
// stay with the offending connection), garbage, concurrency, vanishing clients, shm's memfd,
// SIGTERM, and the command line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "tests/transport/test_util.h"
#include "transport/memnode_process.h"
#include "transport/protocol.h"

extern char** environ;

namespace rpbench::transport {
namespace {

namespace p = protocol;
using testing::must_hello;
using Clock = std::chrono::steady_clock;

constexpr const char* kBinary = RPBENCH_MEMNODE_BINARY;
constexpr const char* kToken = "memnode-test-token";
constexpr uint64_t kRegionBytes = 1 << 20;

MemnodeLaunch test_launch(uint64_t region_bytes = kRegionBytes, uint32_t regions = 1) {
  MemnodeLaunch l;
  l.binary = kBinary;
  l.token = kToken;
  l.region_bytes = region_bytes;
  l.regions = regions;
  l.ready_timeout_ms = 10000;
  return l;
}

// A started node (a failure to start throws: gtest reports it with the node's own message).
std::unique_ptr<MemnodeProcess> start_node(const MemnodeLaunch& l) {
  auto node = MemnodeProcess::start(l);
  if (!node.ok()) throw std::runtime_error(node.status().to_string());
  return std::move(*node);
}

// A node whose stop at the end of the test must be clean (exit 0: no crash, no sanitizer report,
// no SIGKILL fallback).
class CheckedNode {
 public:
  explicit CheckedNode(const MemnodeLaunch& l) : node_(start_node(l)) {}
  ~CheckedNode() {
    Status s = stop();
    EXPECT_TRUE(s.ok()) << s.message();
  }
  CheckedNode(const CheckedNode&) = delete;
  CheckedNode& operator=(const CheckedNode&) = delete;
  operator const MemnodeProcess&() const { return *node_; }  // NOLINT: a CheckedNode is a node
  pid_t pid() const { return node_->pid(); }
  const MemnodeEndpoints& endpoints() const { return node_->endpoints(); }
  const std::string& ready_line() const { return node_->ready_line(); }
  Status stop() { return node_->stop(); }

 private:
  std::unique_ptr<MemnodeProcess> node_;
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(seed);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

struct Reply {
  p::Code code = p::Code::kOk;
  uint64_t tag = 0;
  std::string message;
  std::vector<uint8_t> payload;
};

// A client speaking the protocol by hand. Every receive times out after 10 s, so a broken node
// fails a test instead of hanging it.
class RawClient {
 public:
  static RawClient tcp(const std::string& endpoint) {
    auto colon = endpoint.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(endpoint.substr(colon + 1))));
    EXPECT_EQ(::inet_pton(AF_INET, endpoint.substr(0, colon).c_str(), &addr.sin_addr), 1) << endpoint;
    RawClient c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(::connect(c.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    return c;
  }
  static RawClient unix_socket(const std::string& endpoint) {  // "unix:/path"
    EXPECT_EQ(endpoint.rfind("unix:", 0), 0u) << endpoint;
    std::string path = endpoint.substr(5);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), std::min(path.size() + 1, sizeof(addr.sun_path) - 1));
    RawClient c(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(::connect(c.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    return c;
  }

  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

  void send_bytes(const void* data, size_t n) {
    const auto* q = static_cast<const uint8_t*>(data);
    while (n > 0) {
      ssize_t r = ::send(fd(), q, n, MSG_NOSIGNAL);
      ASSERT_GT(r, 0) << std::strerror(errno);
      q += r;
      n -= static_cast<size_t>(r);
    }
  }
  // False on EOF / error / timeout.
  bool recv_bytes(void* data, size_t n) {
    auto* q = static_cast<uint8_t*>(data);
    while (n > 0) {
      ssize_t r = ::recv(fd(), q, n, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      q += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }

  void send_hello(const p::Hello& h) {
    std::array<uint8_t, p::kHelloBytes> buf{};
    p::encode(h, buf);
    send_bytes(buf.data(), buf.size());
  }
  // The reply (and, with want_fd, the fd that came with it).
  std::optional<p::HelloReply> recv_hello_reply(std::string* message = nullptr, UniqueFd* fd_out = nullptr) {
    std::array<uint8_t, p::kHelloReplyBytes> buf{};
    if (fd_out == nullptr) {
      if (!recv_bytes(buf.data(), buf.size())) return std::nullopt;
    } else {
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t r = ::recvmsg(fd(), &msg, MSG_CMSG_CLOEXEC);
      if (r <= 0) return std::nullopt;
      for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
          int got = -1;
          std::memcpy(&got, CMSG_DATA(cm), sizeof(int));
          fd_out->reset(got);
        }
      }
      if (static_cast<size_t>(r) < buf.size() && !recv_bytes(buf.data() + r, buf.size() - static_cast<size_t>(r)))
        return std::nullopt;
    }
    auto reply = p::decode_hello_reply(buf);
    if (!reply) return std::nullopt;
    std::string text(reply->message_len, '\0');
    if (!recv_bytes(text.data(), text.size())) return std::nullopt;
    if (message) *message = text;
    return reply;
  }
  p::Code handshake(uint32_t region = 0, const std::string& token = kToken, uint64_t* region_bytes = nullptr) {
    send_hello(must_hello(region, token));
    auto reply = recv_hello_reply();
    if (!reply) return p::Code::kNodeError;
    if (region_bytes) *region_bytes = reply->region_bytes;
    return reply->code;
  }

  void send_request(p::ReqOp op, uint64_t tag, uint64_t offset, uint64_t length) {
    send_raw_request(static_cast<uint32_t>(op), tag, offset, length);
  }
  void send_raw_request(uint32_t op, uint64_t tag, uint64_t offset, uint64_t length) {
    p::RequestHeader h;
    h.op = op;
    h.tag = tag;
    h.offset = offset;
    h.length = length;
    std::array<uint8_t, p::kRequestBytes> buf{};
    p::encode(h, buf);
    send_bytes(buf.data(), buf.size());
  }
  std::optional<Reply> recv_reply() {
    std::array<uint8_t, p::kResponseBytes> buf{};
    if (!recv_bytes(buf.data(), buf.size())) return std::nullopt;
    auto h = p::decode_response(buf);
    if (!h) return std::nullopt;
    Reply r;
    r.code = h->code;
    r.tag = h->tag;
    r.message.resize(h->message_len);
    if (!recv_bytes(r.message.data(), r.message.size())) return std::nullopt;
    r.payload.resize(h->length);
    if (!recv_bytes(r.payload.data(), r.payload.size())) return std::nullopt;
    return r;
  }

  Reply write(uint64_t offset, const std::vector<uint8_t>& data, uint64_t tag = 1) {
    send_request(p::ReqOp::kWrite, tag, offset, data.size());
    send_bytes(data.data(), data.size());
    auto r = recv_reply();
    EXPECT_TRUE(r.has_value()) << "no reply to a write at " << offset;
    return r.value_or(Reply{p::Code::kNodeError, 0, "no reply", {}});
  }
  Reply read(uint64_t offset, uint64_t length, uint64_t tag = 2) {
    send_request(p::ReqOp::kRead, tag, offset, length);
    auto r = recv_reply();
    EXPECT_TRUE(r.has_value()) << "no reply to a read at " << offset;
    return r.value_or(Reply{p::Code::kNodeError, 0, "no reply", {}});
  }

  // True when the node has closed this connection (EOF or reset) within the timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    pollfd pf{fd(), POLLIN, 0};
    if (::poll(&pf, 1, static_cast<int>(timeout.count())) <= 0) return false;
    uint8_t b;
    ssize_t r = ::recv(fd(), &b, 1, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno == ECONNRESET);
  }

 private:
  explicit RawClient(int fd) : fd_(fd) {
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  UniqueFd fd_;
};

// A good client's full round trip: the node is still serving.
void expect_node_serves(const MemnodeProcess& node, uint32_t seed) {
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(c.handshake(), p::Code::kOk);
  auto data = pattern(8192, seed);
  ASSERT_EQ(c.write(4096, data).code, p::Code::kOk);
  Reply r = c.read(4096, data.size());
  ASSERT_EQ(r.code, p::Code::kOk);
  EXPECT_EQ(r.payload, data);
}

// ---- ready line and endpoints --------------------------------------------------------------

TEST(MemnodeLaunch, TheReadyTimeoutGrowsWithWhatTheNodeAllocatesBeforeItIsReady) {
  MemnodeLaunch l;
  l.regions = 4;
  l.region_bytes = 1ull << 30;
  EXPECT_EQ(ready_timeout_ms_for(l), 30000) << "lazy regions: nothing to allocate first";
  l.prefault = true;
  EXPECT_EQ(ready_timeout_ms_for(l), 30000 + 4 * 4000);
  l.prefault = false;
  l.verbs = true;  // registration pins every page
  l.regions = 1;
  l.region_bytes = 512ull << 20;
  EXPECT_EQ(ready_timeout_ms_for(l), 34000) << "a part of a GiB counts as one";
  l.regions = 64;
  l.region_bytes = 1ull << 40;
  EXPECT_EQ(ready_timeout_ms_for(l), 3600 * 1000) << "capped at an hour";
}

TEST(Memnode, ReadyLineAndEndpoints) {
  CheckedNode node(test_launch(kRegionBytes, 2));
  const std::string& line = node.ready_line();
  EXPECT_EQ(line.rfind("rpbench-memnode ready pid=" + std::to_string(node.pid()) + " tcp=127.0.0.1:", 0), 0u) << line;
  EXPECT_NE(line.find(" regions=2 "), std::string::npos) << line;
  EXPECT_NE(line.find(" region_bytes=1048576 "), std::string::npos) << line;
  EXPECT_NE(line.find(" prefault=0"), std::string::npos) << line;
  EXPECT_NE(line.find(" verbs=- "), std::string::npos) << line;
  EXPECT_EQ(node.endpoints().tcp.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(node.endpoints().tcp, "127.0.0.1:0");
  EXPECT_TRUE(node.endpoints().verbs.empty());
  ASSERT_EQ(node.endpoints().unix.rfind("unix:/", 0), 0u) << node.endpoints().unix;
  std::string path = node.endpoints().unix.substr(5);
  EXPECT_NE(line.find(" unix=" + path + " "), std::string::npos) << line;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  std::string dir = path.substr(0, path.rfind('/'));
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the socket's directory must be private";

  RawClient c = RawClient::tcp(node.endpoints().tcp);
  uint64_t bytes = 0;
  EXPECT_EQ(c.handshake(1, kToken, &bytes), p::Code::kOk);
  EXPECT_EQ(bytes, kRegionBytes);
  EXPECT_TRUE(node.stop().ok());
}

TEST(Memnode, NoUnixSocketWhenShmIsOff) {
  MemnodeLaunch l = test_launch();
  l.shm = false;
  CheckedNode node(l);
  EXPECT_TRUE(node.endpoints().unix.empty());
  EXPECT_NE(node.ready_line().find(" unix=- "), std::string::npos) << node.ready_line();
  expect_node_serves(node, 1);
}

TEST(Memnode, PrefaultIsRecorded) {
  MemnodeLaunch l = test_launch(4 << 20);
  l.prefault = true;
  CheckedNode node(l);
  EXPECT_NE(node.ready_line().find(" prefault=1"), std::string::npos) << node.ready_line();
  EXPECT_NE(node.ready_line().find(" prefault_ms="), std::string::npos) << node.ready_line();
  expect_node_serves(node, 2);
}

// ---- data ------------------------------------------------------------------------------------

TEST(Memnode, WriteThenReadIsByteExact) {
  CheckedNode node(test_launch());
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(c.handshake(), p::Code::kOk);
  struct Case {
    uint64_t offset, length;
  };
  const std::vector<Case> cases = {{0, 1},
                                   {1, 4095},
                                   {4095, 2},
                                   {8192, 4096},
                                   {12345, 54321},
                                   {65536, 1 << 18},
                                   {kRegionBytes - 4096, 4096},
                                   {kRegionBytes - 1, 1}};
  uint32_t seed = 100;
  for (const Case& k : cases) {
    auto data = pattern(k.length, seed++);
    Reply w = c.write(k.offset, data, seed);
    ASSERT_EQ(w.code, p::Code::kOk) << w.message;
    EXPECT_EQ(w.tag, seed);
    EXPECT_TRUE(w.payload.empty());
    Reply r = c.read(k.offset, k.length, seed + 1000);
    ASSERT_EQ(r.code, p::Code::kOk) << r.message;
    EXPECT_EQ(r.tag, seed + 1000);
    EXPECT_EQ(r.payload, data) << "offset " << k.offset << " length " << k.length;
  }
  // The whole region in one read (bigger than any socket buffer: partial sends on the node).
  Reply all = c.read(0, kRegionBytes);
  ASSERT_EQ(all.code, p::Code::kOk);
  ASSERT_EQ(all.payload.size(), kRegionBytes);
  EXPECT_EQ(all.payload[kRegionBytes - 1], pattern(1, seed - 1)[0]);
}

TEST(Memnode, PipelinedRequestsAreAnsweredInOrder) {
  CheckedNode node(test_launch());
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(c.handshake(), p::Code::kOk);
  constexpr int kN = 64;
  constexpr size_t kSize = 4096;
  // All the writes, then all the reads, before reading a single reply.
  for (int i = 0; i < kN; ++i) {
    auto data = pattern(kSize, static_cast<uint32_t>(i));
    c.send_request(p::ReqOp::kWrite, static_cast<uint64_t>(i), i * kSize, kSize);
    c.send_bytes(data.data(), data.size());
  }
  for (int i = 0; i < kN; ++i) c.send_request(p::ReqOp::kRead, 1000 + static_cast<uint64_t>(i), i * kSize, kSize);
  for (int i = 0; i < kN; ++i) {
    auto r = c.recv_reply();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, p::Code::kOk);
    EXPECT_EQ(r->tag, static_cast<uint64_t>(i));
  }
  for (int i = 0; i < kN; ++i) {
    auto r = c.recv_reply();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->tag, 1000 + static_cast<uint64_t>(i));
    EXPECT_EQ(r->payload, pattern(kSize, static_cast<uint32_t>(i)));
  }
  // Refused writes (their payloads dropped) mixed into one pipelined burst of mixed sizes: the
  // framing holds and every good write lands.
  std::vector<uint64_t> sizes = {1, 100, 4096, 20000, 70000, 300000};
  std::vector<bool> refused;
  uint64_t off = 0;
  for (int i = 0; i < 48; ++i) {
    uint64_t size = sizes[static_cast<size_t>(i) % sizes.size()];
    bool bad = i % 5 == 2;
    auto data = pattern(size, 7000 + static_cast<uint32_t>(i));
    c.send_request(p::ReqOp::kWrite, 5000 + static_cast<uint64_t>(i),
                   bad ? kRegionBytes - size / 2 : off % (kRegionBytes - size), size);
    c.send_bytes(data.data(), data.size());
    refused.push_back(bad);
    if (!bad) off += 4093;
  }
  for (int i = 0; i < 48; ++i) {
    auto r = c.recv_reply();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->tag, 5000 + static_cast<uint64_t>(i));
    EXPECT_EQ(r->code, refused[static_cast<size_t>(i)] ? p::Code::kOutOfBounds : p::Code::kOk) << i;
  }
  off = 0;
  int checked = 0;
  for (int i = 0; i < 48; ++i) {  // the last good write at each place wins: check them in order
    uint64_t size = sizes[static_cast<size_t>(i) % sizes.size()];
    if (refused[static_cast<size_t>(i)]) continue;
    uint64_t at = off % (kRegionBytes - size);
    off += 4093;
    bool overwritten = false;  // by a later good write overlapping it
    uint64_t later = off;
    for (int j = i + 1; j < 48; ++j) {
      uint64_t sj = sizes[static_cast<size_t>(j) % sizes.size()];
      if (refused[static_cast<size_t>(j)]) continue;
      uint64_t aj = later % (kRegionBytes - sj);
      later += 4093;
      if (aj < at + size && at < aj + sj) overwritten = true;
    }
    if (overwritten) continue;
    EXPECT_EQ(c.read(at, size).payload, pattern(size, 7000 + static_cast<uint32_t>(i))) << i;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Memnode, RegionsAreSeparate) {
  CheckedNode node(test_launch(kRegionBytes, 2));
  RawClient a = RawClient::tcp(node.endpoints().tcp);
  RawClient b = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(a.handshake(0), p::Code::kOk);
  ASSERT_EQ(b.handshake(1), p::Code::kOk);
  auto da = pattern(4096, 1), db = pattern(4096, 2);
  ASSERT_EQ(a.write(0, da).code, p::Code::kOk);
  ASSERT_EQ(b.write(0, db).code, p::Code::kOk);
  EXPECT_EQ(a.read(0, 4096).payload, da);
  EXPECT_EQ(b.read(0, 4096).payload, db);
}

// ---- handshake refusals ----------------------------------------------------------------------

void expect_refused(const MemnodeProcess& node, const p::Hello& h, p::Code want) {
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  c.send_hello(h);
  std::string message;
  auto reply = c.recv_hello_reply(&message);
  ASSERT_TRUE(reply.has_value()) << "no reply to a refused hello";
  EXPECT_EQ(reply->code, want) << message;
  EXPECT_FALSE(message.empty()) << "a refusal says why";
  EXPECT_EQ(reply->region_bytes, 0u) << "a refused client learns nothing about the region";
  EXPECT_TRUE(c.closed_by_peer()) << "a refused connection is closed";
}

TEST(Memnode, HandshakeRefusals) {
  CheckedNode node(test_launch());
  p::Hello bad_token = must_hello(0, "not-the-token");
  expect_refused(node, bad_token, p::Code::kBadToken);
  p::Hello prefix = must_hello(0, std::string(kToken).substr(0, 5));
  expect_refused(node, prefix, p::Code::kBadToken);
  p::Hello bad_version = must_hello(0, kToken);
  bad_version.version = p::kVersion + 1;
  expect_refused(node, bad_version, p::Code::kBadVersion);
  p::Hello bad_region = must_hello(1, kToken);
  expect_refused(node, bad_region, p::Code::kNoSuchRegion);
  p::Hello huge_region = must_hello(0xffffffffu, kToken);
  expect_refused(node, huge_region, p::Code::kNoSuchRegion);
  p::Hello bad_magic = must_hello(0, kToken);
  bad_magic.magic = 0x12345678;
  expect_refused(node, bad_magic, p::Code::kBadMagic);
  p::Hello long_token = must_hello(0, kToken);
  long_token.token_len = 1000;
  expect_refused(node, long_token, p::Code::kBadToken);
  // The region index is not revealed before the token is checked.
  p::Hello bad_both = must_hello(5, "wrong");
  expect_refused(node, bad_both, p::Code::kBadToken);
  p::Hello shm_on_tcp = must_hello(0, kToken, p::kFlagShm);
  expect_refused(node, shm_on_tcp, p::Code::kNodeError);
  expect_node_serves(node, 3);
}

// ---- bounds and framing ----------------------------------------------------------------------

TEST(Memnode, OutOfBoundsIsRefusedAndTheConnectionKeepsWorking) {
  CheckedNode node(test_launch());
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(c.handshake(), p::Code::kOk);
  auto data = pattern(4096, 9);
  ASSERT_EQ(c.write(0, data).code, p::Code::kOk);

  Reply w = c.write(kRegionBytes - 100, pattern(101, 1), 77);  // one byte past the end
  EXPECT_EQ(w.code, p::Code::kOutOfBounds);
  EXPECT_EQ(w.tag, 77u);
  EXPECT_FALSE(w.message.empty());
  EXPECT_EQ(c.write(kRegionBytes, pattern(1, 1)).code, p::Code::kOutOfBounds);
  // offset + length overflows 2^64: must not wrap into the region.
  EXPECT_EQ(c.write(~0ull - 10, pattern(4096, 2)).code, p::Code::kOutOfBounds);
  Reply r = c.read(kRegionBytes - 1, 2, 78);
  EXPECT_EQ(r.code, p::Code::kOutOfBounds);
  EXPECT_EQ(r.tag, 78u);
  EXPECT_TRUE(r.payload.empty());
  EXPECT_EQ(c.read(~0ull - 100, 4096).code, p::Code::kOutOfBounds);
  EXPECT_EQ(c.read(0, 0).code, p::Code::kBadLength);  // a read's framing survives a bad length
  EXPECT_EQ(c.read(0, p::kMaxRequestBytes + 1).code, p::Code::kBadLength);

  // The same connection still works, and nothing in the region moved.
  Reply back = c.read(0, 4096);
  ASSERT_EQ(back.code, p::Code::kOk);
  EXPECT_EQ(back.payload, data);
  auto last = pattern(100, 5);
  ASSERT_EQ(c.write(kRegionBytes - 100, last).code, p::Code::kOk);
  EXPECT_EQ(c.read(kRegionBytes - 100, 100).payload, last);
}

TEST(Memnode, BadLengthWriteClosesOnlyThatConnection) {
  CheckedNode node(test_launch());
  RawClient bystander = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(bystander.handshake(), p::Code::kOk);
  for (uint64_t length : std::vector<uint64_t>{0, p::kMaxRequestBytes + 1, ~uint64_t{0}}) {
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    c.send_request(p::ReqOp::kWrite, 5, 0, length);
    auto r = c.recv_reply();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, p::Code::kBadLength) << length;
    EXPECT_EQ(r->tag, 5u);
    EXPECT_TRUE(c.closed_by_peer()) << "framing is lost after a bad write length: the node closes";
  }
  auto data = pattern(1000, 4);
  ASSERT_EQ(bystander.write(10, data).code, p::Code::kOk);
  EXPECT_EQ(bystander.read(10, 1000).payload, data);
}

TEST(Memnode, UnknownOpClosesOnlyThatConnection) {
  CheckedNode node(test_launch());
  RawClient bystander = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(bystander.handshake(), p::Code::kOk);
  for (uint32_t op : {0u, 3u, 0xffffffffu}) {
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    c.send_raw_request(op, 6, 0, 16);
    auto r = c.recv_reply();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->code, p::Code::kUnknownOp) << op;
    EXPECT_EQ(r->tag, 6u);
    EXPECT_TRUE(c.closed_by_peer());
  }
  auto data = pattern(1000, 5);
  ASSERT_EQ(bystander.write(10, data).code, p::Code::kOk);
  EXPECT_EQ(bystander.read(10, 1000).payload, data);
}

// ---- misbehaving clients ---------------------------------------------------------------------

TEST(Memnode, GarbageFromManyConnectionsDoesNotHurtTheNode) {
  CheckedNode node(test_launch());
  RawClient good = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(good.handshake(), p::Code::kOk);
  std::mt19937 rng(1234);
  std::vector<RawClient> stalled;  // kept open to the end: a half-sent frame must not block anyone
  for (int round = 0; round < 50; ++round) {
    for (int k = 0; k < 3; ++k) {
      // Every fifth round on the unix socket, the others on tcp.
      RawClient c =
          round % 5 == 4 ? RawClient::unix_socket(node.endpoints().unix) : RawClient::tcp(node.endpoints().tcp);
      if (k == 1) {
        ASSERT_EQ(c.handshake(), p::Code::kOk);  // garbage after a valid handshake
      }
      std::vector<uint8_t> junk(1 + rng() % 3000);
      for (auto& b : junk) b = static_cast<uint8_t>(rng());
      if (k == 2 && round % 2 == 0) std::memcpy(junk.data(), &p::kMagic, std::min<size_t>(4, junk.size()));
      c.send_bytes(junk.data(), junk.size());
      if (round % 10 == 0) stalled.push_back(std::move(c));
    }
    if (round % 10 == 9) {
      auto data = pattern(512, static_cast<uint32_t>(round));
      ASSERT_EQ(good.write(static_cast<uint64_t>(round) * 512, data).code, p::Code::kOk) << "round " << round;
      ASSERT_EQ(good.read(static_cast<uint64_t>(round) * 512, 512).payload, data);
    }
  }
  // A half-sent hello, and a write that announced a payload it never sends.
  RawClient half_hello = RawClient::tcp(node.endpoints().tcp);
  half_hello.send_bytes("RPMN", 4);
  RawClient half_write = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(half_write.handshake(), p::Code::kOk);
  half_write.send_request(p::ReqOp::kWrite, 1, kRegionBytes / 2, 1 << 18);  // apart from the checked ranges
  half_write.send_bytes("abc", 3);
  expect_node_serves(node, 6);
  auto data = pattern(4096, 7);
  ASSERT_EQ(good.write(0, data).code, p::Code::kOk);
  EXPECT_EQ(good.read(0, 4096).payload, data);
  EXPECT_TRUE(node.stop().ok());
}

// A hello trickled byte by byte must arrive whole within the handshake timeout: a client without
// the token cannot hold a connection (and its thread) for longer by sending slowly.
TEST(Memnode, TrickledHelloIsDroppedAtTheHandshakeDeadline) {
  MemnodeLaunch l = test_launch();
  l.extra_args = {"--handshake-timeout-ms", "300"};
  CheckedNode node(l);
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  const p::Hello hello = must_hello(0, kToken);
  std::array<uint8_t, p::kHelloBytes> raw;
  p::encode(hello, raw);
  bool dropped = false;
  for (size_t i = 0; i < raw.size() && !dropped; ++i) {  // a byte every 250 ms: 12 s for the hello
    if (::send(c.fd(), &raw[i], 1, MSG_NOSIGNAL) != 1) {
      dropped = true;
      break;
    }
    dropped = c.closed_by_peer(std::chrono::milliseconds(250));
  }
  EXPECT_TRUE(dropped) << "the node waited for a hello trickled over 12 s";
  expect_node_serves(node, 11);
}

// Connections that never say hello are capped (--max-connections 16: at most 16 still in their
// handshake) and dropped at the handshake deadline: they cannot take the node's descriptors, and
// the node serves again once they are gone.
TEST(Memnode, SilentConnectionsAreCappedAndDropped) {
  MemnodeLaunch l = test_launch();
  l.extra_args = {"--handshake-timeout-ms", "500", "--max-connections", "16"};
  CheckedNode node(l);
  auto open_fds = [&node] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator("/proc/" + std::to_string(node.pid()) + "/fd"))
      ++n;
    return n;
  };
  const size_t idle_fds = open_fds();
  std::vector<RawClient> silent;
  for (int i = 0; i < 100; ++i) silent.push_back(RawClient::tcp(node.endpoints().tcp));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LE(open_fds(), idle_fds + 16) << "more connections held than --max-connections";
  // Every silent connection ends: closed at once over the cap, or at the handshake deadline.
  for (RawClient& c : silent) EXPECT_TRUE(c.closed_by_peer(std::chrono::milliseconds(20000)));
  silent.clear();
  expect_node_serves(node, 12);
}

TEST(Memnode, AFloodOfSilentReconnectingClientsDoesNotStarveATokenHolder) {
  // Clients without the token that connect, say nothing, and reconnect the moment they are cut
  // off: they fill every handshake slot again and again. A client with the token must still be
  // served, promptly, while they go on (they evict their own oldest, never a finished handshake).
  MemnodeLaunch l = test_launch();
  l.extra_args = {"--handshake-timeout-ms", "10000"};
  CheckedNode node(l);
  const std::string ep = node.endpoints().tcp;
  const auto colon = ep.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(ep.substr(colon + 1))));
  ::inet_pton(AF_INET, ep.substr(0, colon).c_str(), &addr.sin_addr);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> flood_connects{0};
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t)
    flooders.emplace_back([&] {
      // Up to 100 silent connections per thread, held until the node closes them, then replaced.
      std::vector<int> fds;
      while (!stop.load()) {
        if (fds.size() < 100) {
          const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
          if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            fds.push_back(fd);
            ++flood_connects;
          } else if (fd >= 0) {
            ::close(fd);
          }
        }
        for (size_t i = 0; i < fds.size();) {
          pollfd pfd{fds[i], POLLIN, 0};
          if (::poll(&pfd, 1, 0) > 0) {  // closed by the node (EOF): reconnect in its place
            ::close(fds[i]);
            fds[i] = fds.back();
            fds.pop_back();
          } else {
            ++i;
          }
        }
        if (fds.size() >= 100) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      for (int fd : fds) ::close(fd);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the flood is on
  int served = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto t0 = Clock::now();
    RawClient c = RawClient::tcp(ep);
    if (c.handshake() == p::Code::kOk) {
      ++served;
      const auto data = pattern(4096, static_cast<uint32_t>(attempt));
      EXPECT_EQ(c.write(0, data, 1).code, p::Code::kOk);
    }
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 5.0) << "attempt " << attempt;
  }
  stop.store(true);
  for (auto& t : flooders) t.join();
  EXPECT_GT(flood_connects.load(), 200u) << "the flood was not a flood";
  EXPECT_GE(served, 19) << "the token holder was starved by token-less clients";
  expect_node_serves(node, 13);
}

TEST(Memnode, ClientVanishingMidPayload) {
  CheckedNode node(test_launch());
  {
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    // Its partial payload may land whenever its connection's thread gets to it: a range of its
    // own, apart from the one checked below.
    c.send_request(p::ReqOp::kWrite, 1, kRegionBytes / 2, 256 * 1024);
    auto part = pattern(1000, 1);
    c.send_bytes(part.data(), part.size());
  }  // closed with 255 KiB of its payload never sent
  {
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    c.send_request(p::ReqOp::kRead, 1, 0, kRegionBytes);  // and one that never reads its reply
  }
  for (int i = 0; i < 3; ++i) {
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    auto data = pattern(256 * 1024, 10 + static_cast<uint32_t>(i));
    ASSERT_EQ(c.write(0, data).code, p::Code::kOk);
    EXPECT_EQ(c.read(0, data.size()).payload, data);
  }
  EXPECT_TRUE(node.stop().ok());
}

TEST(Memnode, SixteenConcurrentClientsWriteDisjointRanges) {
  constexpr int kClients = 16;
  constexpr uint64_t kSlice = kRegionBytes / kClients;  // 64 KiB each
  constexpr uint64_t kChunk = 4096;
  CheckedNode node(test_launch());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      RawClient c = RawClient::tcp(node.endpoints().tcp);
      if (c.handshake() != p::Code::kOk) {
        ++failures;
        return;
      }
      auto data = pattern(kSlice, 500 + static_cast<uint32_t>(i));
      // Pipelined: every chunk, then every reply.
      for (uint64_t off = 0; off < kSlice; off += kChunk) {
        c.send_request(p::ReqOp::kWrite, off, i * kSlice + off, kChunk);
        c.send_bytes(data.data() + off, kChunk);
      }
      for (uint64_t off = 0; off < kSlice; off += kChunk) {
        auto r = c.recv_reply();
        if (!r || r->code != p::Code::kOk || r->tag != off) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  RawClient v = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(v.handshake(), p::Code::kOk);
  Reply all = v.read(0, kRegionBytes);
  ASSERT_EQ(all.code, p::Code::kOk);
  for (int i = 0; i < kClients; ++i) {
    auto want = pattern(kSlice, 500 + static_cast<uint32_t>(i));
    EXPECT_TRUE(std::equal(want.begin(), want.end(), all.payload.begin() + static_cast<long>(i * kSlice)))
        << "client " << i << "'s range";
  }
}

// ---- shm -------------------------------------------------------------------------------------

TEST(Memnode, ShmHelloPassesTheRegionsMemfd) {
  CheckedNode node(test_launch());
  RawClient tcp = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(tcp.handshake(), p::Code::kOk);
  auto data = pattern(10000, 21);
  ASSERT_EQ(tcp.write(123456, data).code, p::Code::kOk);

  RawClient shm = RawClient::unix_socket(node.endpoints().unix);
  shm.send_hello(must_hello(0, kToken, p::kFlagShm));
  UniqueFd memfd;
  auto reply = shm.recv_hello_reply(nullptr, &memfd);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->code, p::Code::kOk);
  EXPECT_EQ(reply->region_bytes, kRegionBytes);
  ASSERT_TRUE(memfd) << "the reply carries the region's memfd";
  void* map = ::mmap(nullptr, kRegionBytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd.get(), 0);
  ASSERT_NE(map, MAP_FAILED) << std::strerror(errno);
  auto* bytes = static_cast<uint8_t*>(map);
  EXPECT_EQ(std::vector<uint8_t>(bytes + 123456, bytes + 123456 + data.size()), data)
      << "the mapping sees what the tcp client wrote";
  // And the other way: a store into the mapping is what a tcp read returns.
  auto mine = pattern(4096, 22);
  std::memcpy(bytes + kRegionBytes - 4096, mine.data(), mine.size());
  EXPECT_EQ(tcp.read(kRegionBytes - 4096, 4096).payload, mine);
  ::munmap(map, kRegionBytes);
  // The region's size is sealed: a client cannot shrink it under the node (which would fault).
  EXPECT_NE(::ftruncate(memfd.get(), 0), 0);
  EXPECT_NE(::ftruncate(memfd.get(), 2 * kRegionBytes), 0);
  EXPECT_EQ(tcp.read(kRegionBytes - 4096, 4096).payload, mine);

  // The control connection stays open while the node lives.
  EXPECT_FALSE(shm.closed_by_peer(std::chrono::milliseconds(100)));
  // A bad token on the unix socket is refused like on tcp, and no fd comes with the refusal.
  RawClient bad = RawClient::unix_socket(node.endpoints().unix);
  bad.send_hello(must_hello(0, "wrong", p::kFlagShm));
  UniqueFd none;
  auto refused = bad.recv_hello_reply(nullptr, &none);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, p::Code::kBadToken);
  EXPECT_FALSE(none);
  // Plain requests work on the unix socket too.
  RawClient plain = RawClient::unix_socket(node.endpoints().unix);
  ASSERT_EQ(plain.handshake(), p::Code::kOk);
  EXPECT_EQ(plain.read(123456, data.size()).payload, data);

  // Stopping the node closes the shm control connection: that is how the client notices.
  ASSERT_TRUE(node.stop().ok());
  EXPECT_TRUE(shm.closed_by_peer());
}

// ---- stopping ----------------------------------------------------------------------------------

TEST(Memnode, SigtermWithClientsConnectedExitsCleanly) {
  CheckedNode node(test_launch());
  std::string dir = node.endpoints().unix.substr(5);
  dir.resize(dir.rfind('/'));
  RawClient idle = RawClient::tcp(node.endpoints().tcp);  // never says hello
  RawClient served = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(served.handshake(), p::Code::kOk);
  RawClient pending = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(pending.handshake(), p::Code::kOk);
  pending.send_request(p::ReqOp::kWrite, 1, 0, 4096);  // its payload never comes
  RawClient not_reading = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(not_reading.handshake(), p::Code::kOk);
  for (int i = 0; i < 8; ++i)  // 8 MiB of replies it never reads: the node blocks sending them
    not_reading.send_request(p::ReqOp::kRead, static_cast<uint64_t>(i), 0, kRegionBytes);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawClient shm = RawClient::unix_socket(node.endpoints().unix);
  shm.send_hello(must_hello(0, kToken, p::kFlagShm));
  UniqueFd memfd;
  ASSERT_TRUE(shm.recv_hello_reply(nullptr, &memfd).has_value());

  auto t0 = Clock::now();
  Status s = node.stop();
  auto took = Clock::now() - t0;
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_LT(took, std::chrono::seconds(4)) << "stopped by SIGTERM, not by the SIGKILL fallback";
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0) << dir << " is left behind";
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(served.closed_by_peer());
  EXPECT_TRUE(pending.closed_by_peer()) << "a pending request gets no reply, only EOF";
  EXPECT_TRUE(shm.closed_by_peer());
  EXPECT_TRUE(node.stop().ok()) << "stop() is idempotent";
}

TEST(Memnode, NodeKilledOutsideIsReportedByStop) {
  auto node = start_node(test_launch());
  ASSERT_EQ(::kill(node->pid(), SIGKILL), 0);
  Status s = node->stop();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("signal"), std::string::npos) << s.message();
  std::string path = node->endpoints().unix.substr(5);
  struct stat st {};
  EXPECT_NE(::stat(path.substr(0, path.rfind('/')).c_str(), &st), 0) << "stop() removes a killed node's directory";
}

TEST(Memnode, AForkedChildNeverStopsItsParentsNode) {
  CheckedNode node(test_launch());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Status s = node.stop();  // the child's copy: must refuse
    ::_exit(s.ok() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's stop() must fail";
  EXPECT_EQ(::kill(node.pid(), 0), 0) << "the node is still alive";
  expect_node_serves(node, 8);
}

// Is pid gone or a zombie (exited, not yet reaped by whoever adopted it)?
bool process_gone(pid_t pid) {
  std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
  FILE* f = std::fopen(stat_path.c_str(), "r");
  if (f == nullptr) return true;
  char buf[512] = {};
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  std::string text(buf, n);
  auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] == 'Z' || text[paren + 2] == 'X';
}

TEST(Memnode, NodeStopsWhenItsParentDies) {
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipefd[0]);
    try {
      auto* node = start_node(test_launch()).release();  // deliberately never stopped nor freed
      std::string msg = std::to_string(node->pid()) + " " + node->endpoints().unix + "\n";
      if (::write(pipefd[1], msg.data(), msg.size()) < 0) ::_exit(2);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);  // dies without stopping its node
  }
  ::close(pipefd[1]);
  char buf[512] = {};
  ssize_t n = ::read(pipefd[0], buf, sizeof(buf) - 1);
  ::close(pipefd[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_GT(n, 0) << "the child could not start a node";
  std::string text(buf, static_cast<size_t>(n));
  pid_t node_pid = static_cast<pid_t>(std::stol(text));
  std::string socket_path = text.substr(text.find("unix:") + 5);
  socket_path.resize(socket_path.find('\n'));
  std::string dir = socket_path.substr(0, socket_path.rfind('/'));
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!process_gone(node_pid) && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(process_gone(node_pid)) << "the orphaned node " << node_pid << " is still running";
  if (!process_gone(node_pid)) ::kill(node_pid, SIGKILL);
  struct stat st {};
  EXPECT_NE(::stat(dir.c_str(), &st), 0) << "the node stopped by SIGTERM removes " << dir;
}

// ---- command line --------------------------------------------------------------------------

struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs rpbench-memnode with args and, if token is set, the token in its environment.
RunResult run_memnode(const std::vector<std::string>& args, const std::optional<std::string>& token) {
  std::vector<std::string> argv_s = {kBinary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  std::string prefix = std::string(p::kTokenEnv) + "=";
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) env_s.emplace_back(*e);
  if (token) env_s.push_back(prefix + *token);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2], err[2];
  EXPECT_EQ(::pipe(out), 0);
  EXPECT_EQ(::pipe(err), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, err[0]);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, kBinary, &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  ::close(err[1]);
  RunResult result;
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    ADD_FAILURE() << "posix_spawn: " << std::strerror(rc);
    return result;
  }
  auto slurp = [](int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) s.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return s;
  };
  // These invocations all exit at once (bad usage), so reading to EOF cannot hang.
  result.err = slurp(err[0]);
  result.out = slurp(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void expect_usage_error(const std::vector<std::string>& args, const std::optional<std::string>& token,
                        const std::string& mentions) {
  RunResult r = run_memnode(args, token);
  std::string what = args.empty() ? "(no args)" : args[0];
  EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
  EXPECT_EQ(r.err.rfind("rpbench-memnode: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "no ready line: " << r.out;
}

TEST(MemnodeCli, RefusesToStartWithoutAGoodToken) {
  expect_usage_error({}, std::nullopt, p::kTokenEnv);
  expect_usage_error({}, std::string(""), p::kTokenEnv);
  expect_usage_error({}, std::string(p::kMaxTokenBytes + 1, 't'), p::kTokenEnv);
}

TEST(MemnodeCli, BadFlagsExit2WithOneLine) {
  const std::string t = kToken;
  expect_usage_error({"--bogus"}, t, "--bogus");
  expect_usage_error({"--port"}, t, "--port");
  expect_usage_error({"--port", "70000"}, t, "--port");
  expect_usage_error({"--port", "-1"}, t, "--port");
  expect_usage_error({"--port=12x"}, t, "--port");
  expect_usage_error({"--regions", "0"}, t, "--regions");
  expect_usage_error({"--regions", "5000"}, t, "--regions");
  expect_usage_error({"--region-bytes", "12X"}, t, "--region-bytes");
  expect_usage_error({"--region-bytes", "0"}, t, "--region-bytes");
  expect_usage_error({"--region-bytes", "99999999999999999999"}, t, "--region-bytes");
  expect_usage_error({"--region-bytes", "16777216T"}, t, "--region-bytes");
  expect_usage_error({"--prefault=1"}, t, "--prefault");
  expect_usage_error({"--unix", ""}, t, "--unix");
  expect_usage_error({"--listen"}, t, "--listen");
  expect_usage_error({"extra"}, t, "extra");
}

TEST(MemnodeCli, PrefaultLargerThanMemoryIsRefusedBeforeAnythingIsTouched) {
  // A pre-faulted region far larger than the machine: refused with both figures, at once (the
  // node must never fallocate its way into the OOM killer, which takes other processes with it).
  const auto t0 = Clock::now();
  expect_usage_error({"--region-bytes", "1T", "--prefault"}, std::string(kToken), "MiB available");
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 10.0);
  expect_usage_error({"--regions", "4", "--region-bytes", "512G", "--prefault"}, std::string(kToken), "4 region(s)");
}

TEST(Memnode, LazyRegionLargerThanMemoryStartsWithAWarningAndServes) {
  MemnodeLaunch l = test_launch(1ull << 40);  // 1 TiB, lazy
  CheckedNode node(l);
  RawClient c = RawClient::tcp(node.endpoints().tcp);
  ASSERT_EQ(c.handshake(), p::Code::kOk);
  const auto data = pattern(1 << 16, 7);
  // Writes anywhere in it land (their 2 MiB blocks are reserved as they come).
  for (uint64_t off : {uint64_t{0}, uint64_t{(1ull << 40) - (1 << 16)}, uint64_t{3ull << 37}}) {
    Reply w = c.write(off, data, 1);
    ASSERT_EQ(w.code, p::Code::kOk) << w.message;
    Reply r = c.read(off, data.size(), 2);
    ASSERT_EQ(r.code, p::Code::kOk) << r.message;
    EXPECT_EQ(r.payload, data);
  }
}

TEST(Memnode, RegionDirKeepsTheBytesAcrossAKilledNode) {
  char tmpl[] = "/dev/shm/rpbench-region-dir-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const auto data = pattern(1 << 14, 11);
  {
    MemnodeLaunch l = test_launch();
    l.extra_args = {"--region-dir", dir};
    auto node = start_node(l);
    EXPECT_NE(node->ready_line().find("region_dir=" + dir), std::string::npos) << node->ready_line();
    RawClient c = RawClient::tcp(node->endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    ASSERT_EQ(c.write(4096, data, 1).code, p::Code::kOk);
    ::kill(node->pid(), SIGKILL);  // no clean exit: the bytes are in the file already
    (void)node->stop();
  }
  {
    MemnodeLaunch l = test_launch();
    l.extra_args = {"--region-dir", dir};
    CheckedNode node(l);
    RawClient c = RawClient::tcp(node.endpoints().tcp);
    ASSERT_EQ(c.handshake(), p::Code::kOk);
    Reply r = c.read(4096, data.size(), 2);
    ASSERT_EQ(r.code, p::Code::kOk) << r.message;
    EXPECT_EQ(r.payload, data);
  }
  // A node asking for another size refuses the directory's region instead of resizing it.
  MemnodeLaunch other = test_launch(2 * kRegionBytes);
  other.extra_args = {"--region-dir", dir};
  auto refused = MemnodeProcess::start(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("refusing to resize"), std::string::npos) << refused.status().message();
  std::filesystem::remove_all(dir);
}

TEST(MemnodeCli, HelpExits0) {
  RunResult r = run_memnode({"--help"}, std::nullopt);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: rpbench-memnode"), std::string::npos);
  EXPECT_NE(r.out.find(p::kTokenEnv), std::string::npos);
}

TEST(MemnodeCli, VerbsIsNeverSilentlyIgnored) {
  // With the verbs listener built but no RDMA device here, the node fails to start with a clear
  // message; without it, the flag is refused. Either way, it does not start without verbs.
  MemnodeLaunch l = test_launch();
  l.verbs = true;
  auto node = MemnodeProcess::start(l);
  if (node.ok()) {
    EXPECT_FALSE((*node)->endpoints().verbs.empty()) << "--verbs accepted: the ready line must name the verbs endpoint";
    EXPECT_TRUE((*node)->stop().ok());
  } else {
    EXPECT_NE(node.status().message().find("verbs"), std::string::npos) << node.status().message();
  }
}

TEST(MemnodeProcessTest, FailureBeforeReadyCarriesTheNodesError) {
  MemnodeLaunch l = test_launch();
  l.listen_address = "256.256.256.256";
  auto node = MemnodeProcess::start(l);
  ASSERT_FALSE(node.ok()) << "a node that cannot listen must not look ready";
  const std::string& msg = node.status().message();
  EXPECT_EQ(node.status().code(), Status::Code::kUnavailable) << msg;
  EXPECT_NE(msg.find("exited with status 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("256.256.256.256"), std::string::npos) << msg;
  l = test_launch();
  l.region_bytes = 1ull << 50;  // a memfd this large cannot be made (or mapped)
  EXPECT_FALSE(MemnodeProcess::start(l).ok());
  l = test_launch();
  l.binary = "/nonexistent/rpbench-memnode";
  EXPECT_EQ(MemnodeProcess::start(l).status().code(), Status::Code::kNotFound);
  l = test_launch();
  l.token = "";
  EXPECT_EQ(MemnodeProcess::start(l).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace rpbench::transport
