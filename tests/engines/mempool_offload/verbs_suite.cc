#include "tests/engines/mempool_offload/mempool_suite.h"

namespace rpbench::mempool::testing {

INSTANTIATE_TEST_SUITE_P(Verbs, MempoolTest,
                         ::testing::Values(Param{"verbs", SnapshotMode::kForkCopy},
                                           Param{"verbs", SnapshotMode::kForkDirect},
                                           Param{"verbs", SnapshotMode::kPause}),
                         param_name);

}  // namespace rpbench::mempool::testing
