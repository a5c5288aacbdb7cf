// The two transports that need no RDMA device: shm (the region mapped into this process, writes
// are copies) and tcp (a framed, pipelined protocol served by the node's CPU). See protocol.h for
// the wire format and shm_transport.cc / tcp_transport.cc for the details.
#pragma once
#include <memory>
#include <string>

#include "base/status_or.h"
#include "transport/registry.h"
#include "transport/transport.h"

namespace rpbench::transport {

// endpoint: "unix:/path" of a memory node serving shm. An error naming the endpoint when the
// options are bad (kInvalidArgument), the node is unreachable (kUnavailable) or silent
// (kTimeout) within options.connect_timeout_ms, or refuses the handshake (socket_util.h).
StatusOr<std::unique_ptr<Transport>> connect_shm(const TransportOptions& options, const std::string& endpoint);

// endpoint: "HOST:PORT". options.channels connections, each handshaken. Errors like connect_shm.
StatusOr<std::unique_ptr<Transport>> connect_tcp(const TransportOptions& options, const std::string& endpoint);

// Their registry entries (registry.cc).
TransportEntry shm_transport_entry();
TransportEntry tcp_transport_entry();

}  // namespace rpbench::transport
