#include "tests/engines/mempool_offload/mempool_suite.h"

namespace rpbench::mempool::testing {

INSTANTIATE_TEST_SUITE_P(Sockets, MempoolTest,
                         ::testing::Values(Param{"shm", SnapshotMode::kForkCopy},
                                           Param{"shm", SnapshotMode::kForkDirect}, Param{"shm", SnapshotMode::kPause},
                                           Param{"tcp", SnapshotMode::kForkCopy},
                                           Param{"tcp", SnapshotMode::kForkDirect}, Param{"tcp", SnapshotMode::kPause}),
                         param_name);

}  // namespace rpbench::mempool::testing
