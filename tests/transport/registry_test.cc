// The transport registry (transport/registry.h) and the option check every transport shares
// (transport/options.h): the names the config and the probe take their choices from, one entry
// per transport with a summary and a connect function, connect() refusing what the registry does
// not name, and the limits as named constants.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transport/options.h"
#include "transport/registry.h"
#include "transport/transport.h"

namespace rpbench::transport {
namespace {

TEST(TransportRegistry, NamesEveryTransportOnceInListOrder) {
  EXPECT_EQ(transport_names(), (std::vector<std::string>{"shm", "tcp", "verbs"}));
  EXPECT_EQ(transport_choices(), "shm, tcp or verbs");
  for (const TransportEntry& e : transport_registry()) {
    EXPECT_FALSE(e.summary.empty()) << e.name;
    EXPECT_EQ(e.summary.find('\n'), std::string::npos) << "one line: " << e.name;
    EXPECT_TRUE(static_cast<bool>(e.connect)) << e.name;
    EXPECT_EQ(find_transport(e.name), &e);
  }
  EXPECT_EQ(find_transport("shm")->listener, NodeListener::kUnixSocket);
  EXPECT_EQ(find_transport("tcp")->listener, NodeListener::kTcp);
  EXPECT_EQ(find_transport("verbs")->listener, NodeListener::kRdmaCm);
  EXPECT_EQ(find_transport("none"), nullptr) << "none is the config's own value, not a transport";
  EXPECT_EQ(find_transport("ib"), nullptr);
}

TEST(TransportRegistry, ConnectRefusesATypeTheRegistryDoesNotName) {
  TransportOptions o;
  o.type = "none";
  auto t = connect(o, "127.0.0.1:1");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(t.status().message().find("'none'"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find("shm, tcp or verbs"), std::string::npos) << t.status().message();
}

TEST(TransportOptionsCheck, TheLimitsAreTheNamedConstants) {
  const TransportOptions fine;
  EXPECT_TRUE(check_options(fine).ok());
  auto refused = [](auto change) {
    TransportOptions o;
    change(o);
    const Status s = check_options(o);
    return s.code() == Status::Code::kInvalidArgument && s.message().rfind("transport.", 0) == 0;
  };
  EXPECT_TRUE(refused([](TransportOptions& o) { o.channels = 0; }));
  EXPECT_TRUE(refused([](TransportOptions& o) { o.channels = kMaxChannels + 1; }));
  EXPECT_TRUE(refused([](TransportOptions& o) { o.queue_depth = kMaxQueueDepth + 1; }));
  EXPECT_TRUE(refused([](TransportOptions& o) { o.chunk_bytes = kMaxChunkBytes + 1; }));
  EXPECT_TRUE(refused([](TransportOptions& o) { o.io_timeout_ms = kMaxTimeoutMs + 1; }));
  EXPECT_TRUE(refused([](TransportOptions& o) { o.connect_timeout_ms = 0; }));
  TransportOptions edge;
  edge.channels = kMaxChannels;
  edge.queue_depth = kMaxQueueDepth;
  edge.chunk_bytes = 1;  // below the config's kMinChunkBytes: transports take it (tests cut finely)
  EXPECT_TRUE(check_options(edge).ok());
  edge.chunk_bytes = kMaxChunkBytes;
  EXPECT_TRUE(check_options(edge).ok());
}

}  // namespace
}  // namespace rpbench::transport
