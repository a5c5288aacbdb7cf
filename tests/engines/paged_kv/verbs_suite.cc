#include "tests/engines/paged_kv/paged_suite.h"

namespace rpbench::paged::testing {

INSTANTIATE_TEST_SUITE_P(Verbs, PagedTest, ::testing::Values(Param{"verbs", Eviction::kClock}), param_name);

}  // namespace rpbench::paged::testing
