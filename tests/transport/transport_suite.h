// The transport suite: one parametrised fixture over the transports' test beds (transport_bed.h).
// Its cases (transport_test.cc, fork_test.cc) are what every transport must do; each binary's
// instantiation picks the transports it runs: shm and tcp on the host (sockets_suite.cc), verbs
// inside the Soft-RoCE VM (verbs_test.cc, ctest label verbs). A transport that cannot run here is
// reported skipped with the reason, never passed, and failed when the run requires it.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "tests/transport/test_util.h"
#include "tests/transport/transport_bed.h"

// Skips the current test when transport `name` cannot run on this machine, with the reason (fails
// it instead when $RPBENCH_REQUIRE_TRANSPORT names it). For gtest test bodies and SetUp().
#define RPBENCH_SKIP_UNLESS_AVAILABLE(name)                                            \
  do {                                                                                 \
    const std::string why_not_ = ::rpbench::transport::testing::why_unavailable(name); \
    if (!why_not_.empty()) {                                                           \
      if (::rpbench::transport::testing::required(name)) FAIL() << why_not_;           \
      GTEST_SKIP() << why_not_;                                                        \
    }                                                                                  \
  } while (0)

namespace rpbench::transport::testing {

class TransportTest : public ::testing::TestWithParam<std::string> {
 protected:
  // The shared node's region, lazily allocated: only what a test touches costs memory.
  static constexpr uint64_t kRegion = 80ull << 20;

  void SetUp() override { RPBENCH_SKIP_UNLESS_AVAILABLE(GetParam()); }
  static void TearDownTestSuite() { shared_nodes().clear(); }

  const std::string& name() const { return GetParam(); }
  const TransportBed& bed() const { return transport_bed(GetParam()); }
  // The suite's node for this transport (kRegion bytes), started on first use.
  TestNode& shared_node() {
    std::unique_ptr<TestNode>& n = shared_nodes()[GetParam()];
    if (!n) n = std::make_unique<TestNode>(bed(), kRegion);
    return *n;
  }
  // `bytes`, or less when the transport's test bed moves less (max_transfer_bytes).
  uint64_t capped(uint64_t bytes) const { return std::min(bytes, bed().max_transfer_bytes()); }

 private:
  static std::map<std::string, std::unique_ptr<TestNode>>& shared_nodes() {
    static std::map<std::string, std::unique_ptr<TestNode>> nodes;
    return nodes;
  }
};

inline std::string transport_param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace rpbench::transport::testing
