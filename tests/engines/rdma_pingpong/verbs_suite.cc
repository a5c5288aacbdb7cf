#include "tests/engines/rdma_pingpong/pingpong_suite.h"

namespace rpbench::pingpong::testing {

INSTANTIATE_TEST_SUITE_P(Verbs, PingpongTest,
                         ::testing::Values(Param{"verbs", ForkMode::kChildConnect},
                                           Param{"verbs", ForkMode::kParentPosts}),
                         param_name);

}  // namespace rpbench::pingpong::testing
