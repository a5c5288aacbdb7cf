// The verbs transport on a host with no RDMA device (this build machine, CI): connecting fails at
// once with a clear kFailedPrecondition naming the address and what to do, listening with a clear
// std::runtime_error (the memory node's own structure), never a crash. Option errors are
// kInvalidArgument, found before any device is touched. Skipped where an RDMA device exists.
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "transport/memnode/region.h"
#include "transport/memnode/verbs_listener.h"
#include "transport/rdma_util.h"
#include "transport/verbs_transport.h"

namespace rpbench::transport {
namespace {

TransportOptions options() {
  TransportOptions o;
  o.type = "verbs";
  o.token = "host-test-token";
  o.connect_timeout_ms = 1000;
  return o;
}

TEST(VerbsHost, ConnectWithoutAnRdmaDeviceFailsWithAClearError) {
  if (rdma::device_count() > 0) GTEST_SKIP() << "this host has RDMA devices (" << rdma::device_names() << ")";
  auto t = connect_verbs(options(), "127.0.0.1:7471");
  ASSERT_FALSE(t.ok()) << "connect_verbs succeeded without an RDMA device";
  const std::string& m = t.status().message();
  EXPECT_EQ(t.status().code(), Status::Code::kFailedPrecondition) << m;
  EXPECT_NE(m.find("127.0.0.1:7471"), std::string::npos) << m;
  EXPECT_NE(m.find("no RDMA device found"), std::string::npos) << m;
  EXPECT_NE(m.find("rdma_rxe"), std::string::npos) << "says what to do: " << m;
  EXPECT_NE(m.find("tcp or shm"), std::string::npos) << "names the alternatives: " << m;
}

TEST(VerbsHost, ListenerWithoutAnRdmaDeviceIsUnavailableNamingTheAddress) {
  if (rdma::device_count() > 0) GTEST_SKIP() << "this host has RDMA devices (" << rdma::device_names() << ")";
  StatusOr<std::unique_ptr<Region>> region = Region::create(0, 4096, false);
  ASSERT_TRUE(region.ok()) << region.status().message();
  auto listener = VerbsListener::open({region->get()}, "127.0.0.1", 7472, "host-test-token");
  ASSERT_FALSE(listener.ok()) << "a verbs listener started without an RDMA device";
  EXPECT_EQ(listener.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(listener.status().message().find("127.0.0.1:7472"), std::string::npos) << listener.status().message();
  EXPECT_NE(listener.status().message().find("no RDMA device"), std::string::npos) << listener.status().message();
}

TEST(VerbsHost, BadOptionsAreRefusedBeforeAnyDeviceIsTouched) {
  auto refused = [](const TransportOptions& o) {
    return connect_verbs(o, "127.0.0.1:7471").status().code() == Status::Code::kInvalidArgument;
  };
  TransportOptions o = options();
  o.channels = 0;
  EXPECT_TRUE(refused(o));
  o = options();
  o.queue_depth = 0;
  EXPECT_TRUE(refused(o));
  o = options();
  o.chunk_bytes = 0;
  EXPECT_TRUE(refused(o));
  o = options();
  o.verbs.signal_every = 0;
  EXPECT_TRUE(refused(o));
  o = options();
  o.verbs.max_inline = kMaxInlineBytes + 1;
  EXPECT_TRUE(refused(o));
  o = options();
  o.token.clear();
  ::unsetenv("RPBENCH_MEMNODE_TOKEN");
  EXPECT_TRUE(refused(o));
}

TEST(VerbsHost, AcceptDataRoundTripsAndForeignRejectsAreRecognised) {
  rdma::AcceptData a;
  a.code = protocol::Code::kBadToken;
  a.region_bytes = 1ull << 33;
  a.addr = 0x7f0012345000;
  a.rkey = 0xdeadbeef;
  std::array<uint8_t, rdma::kAcceptBytes> buf{};
  rdma::encode(a, buf);
  auto b = rdma::decode_accept(buf);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->code, a.code);
  EXPECT_EQ(b->region_bytes, a.region_bytes);
  EXPECT_EQ(b->addr, a.addr);
  EXPECT_EQ(b->rkey, a.rkey);
  EXPECT_EQ(b->version, protocol::kVersion);
  buf[0] ^= 1;
  EXPECT_FALSE(rdma::decode_accept(buf).has_value()) << "not our magic: a reject by the kernel's CM";
  EXPECT_FALSE(rdma::decode_accept(std::span<const uint8_t>(buf.data(), 10)).has_value()) << "too short";
}

TEST(VerbsHost, EndpointsAreParsedOrRefusedByName) {
  EXPECT_TRUE(rdma::parse_endpoint("127.0.0.1:1").ok());
  EXPECT_TRUE(rdma::parse_endpoint("[::1]:7000").ok());
  for (const char* bad : {"127.0.0.1", ":7000", "127.0.0.1:", "no.such.host.invalid:7000"}) {
    auto parsed = rdma::parse_endpoint(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find(bad), std::string::npos) << parsed.status().message();
  }
}

}  // namespace
}  // namespace rpbench::transport
