// The two transports that need no RDMA device: shm (the region mapped into this process, writes
// are copies) and tcp (a framed, pipelined protocol served by the node's CPU). See protocol.h for
// the wire format and shm_transport.cc / tcp_transport.cc for the details.
#pragma once
#include <memory>
#include <string>

#include "transport/transport.h"

namespace rpbench::transport {

// endpoint: "unix:/path" of a memory node serving shm. Throws std::runtime_error naming the
// endpoint when the node is unreachable within options.connect_timeout_ms or refuses the handshake.
std::unique_ptr<Transport> connect_shm(const TransportOptions& options, const std::string& endpoint);

// endpoint: "HOST:PORT". options.channels connections, each handshaken. Throws like connect_shm.
std::unique_ptr<Transport> connect_tcp(const TransportOptions& options, const std::string& endpoint);

}  // namespace rpbench::transport
