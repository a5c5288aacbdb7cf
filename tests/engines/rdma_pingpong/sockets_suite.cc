#include "tests/engines/rdma_pingpong/pingpong_suite.h"

namespace rpbench::pingpong::testing {

INSTANTIATE_TEST_SUITE_P(Sockets, PingpongTest,
                         ::testing::Values(Param{"shm", ForkMode::kChildConnect}, Param{"shm", ForkMode::kParentPosts},
                                           Param{"tcp", ForkMode::kChildConnect}, Param{"tcp", ForkMode::kParentPosts}),
                         param_name);

}  // namespace rpbench::pingpong::testing
