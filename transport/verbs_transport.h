// The verbs transport: rdma-core. librdmacm resolves and connects (address and port, like tcp), one
// RC queue pair per channel, one-sided RDMA WRITE / READ from registered local buffers into the
// region whose address and rkey the node returned in the connection's private data. See
// verbs_transport.cc for selective signalling, inline sends and what happens at fork.
#pragma once
#include <memory>
#include <string>

#include "base/status_or.h"
#include "transport/registry.h"
#include "transport/transport.h"

namespace rpbench::transport {

// endpoint: "HOST:PORT" of a memory node started with --verbs. Errors name the endpoint:
// kInvalidArgument for bad options (checked before any device is touched) or a verbs.* setting
// the resolved device contradicts; kFailedPrecondition when no RDMA device can serve the address
// (the message lists the devices found and what to do); kUnavailable when the node is unreachable
// or nothing listens there; kTimeout when it does not answer within options.connect_timeout_ms; a
// refused hello as protocol::refusal_code() says.
StatusOr<std::unique_ptr<Transport>> connect_verbs(const TransportOptions& options, const std::string& endpoint);

// Its registry entry (registry.cc).
TransportEntry verbs_transport_entry();

}  // namespace rpbench::transport
