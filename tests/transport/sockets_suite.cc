// The transport suite for the transports that run on any host: shm and tcp.
#include "tests/transport/transport_suite.h"

namespace rpbench::transport::testing {

INSTANTIATE_TEST_SUITE_P(Sockets, TransportTest, ::testing::Values("shm", "tcp"), transport_param_name);

}  // namespace rpbench::transport::testing
