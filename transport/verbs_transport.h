// The verbs transport: rdma-core. librdmacm resolves and connects (address and port, like tcp), one
// RC queue pair per channel, one-sided RDMA WRITE / READ from registered local buffers into the
// region whose address and rkey the node returned in the connection's private data. See
// verbs_transport.cc for selective signalling, inline sends and what happens at fork.
#pragma once
#include <memory>
#include <string>

#include "transport/transport.h"

namespace rpbench::transport {

// endpoint: "HOST:PORT" of a memory node started with --verbs. Throws std::runtime_error when no
// RDMA device can serve the address (the message lists the devices found and what was tried), or
// the node is unreachable / refuses within options.connect_timeout_ms.
std::unique_ptr<Transport> connect_verbs(const TransportOptions& options, const std::string& endpoint);

}  // namespace rpbench::transport
