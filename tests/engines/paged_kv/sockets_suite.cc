#include "tests/engines/paged_kv/paged_suite.h"

namespace rpbench::paged::testing {

INSTANTIATE_TEST_SUITE_P(Sockets, PagedTest,
                         ::testing::Values(Param{"shm", Eviction::kLru}, Param{"shm", Eviction::kClock},
                                           Param{"tcp", Eviction::kClock}),
                         param_name);

}  // namespace rpbench::paged::testing
