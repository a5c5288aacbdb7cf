// The transport registry: one explicit list of transports by name (no self-registration through
// static constructors), as engines/registry.h is for engines. transport::connect() dispatches
// through it, `rpbench list` prints it, and `rpbench probe transport --type` and the config field
// transport.type take their choices from transport_names() (the config adds its own "none": no
// transport at all).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status_or.h"
#include "transport/options.h"
#include "transport/transport.h"

namespace rpbench::transport {

// Which of a memory node's listeners a transport speaks to (memnode_process.h, MemnodeEndpoints).
enum class NodeListener { kUnixSocket, kTcp, kRdmaCm };

struct TransportEntry {
  std::string name;     // "shm", "tcp", "verbs": the value of transport.type
  std::string summary;  // one line for `rpbench list`
  NodeListener listener = NodeListener::kTcp;
  // Connects to the memory node at `endpoint` (its address for this listener); errors as values,
  // naming the endpoint (see each transport's header for its codes).
  std::function<StatusOr<std::unique_ptr<Transport>>(const TransportOptions& options, const std::string& endpoint)>
      connect;
};

// All transports, in the order `rpbench list` prints them.
const std::vector<TransportEntry>& transport_registry();
// nullptr when no transport has that name.
const TransportEntry* find_transport(std::string_view name);
// The registry's names, in its order.
std::vector<std::string> transport_names();
// "shm, tcp or verbs": the names for a message that lists the choices.
std::string transport_choices();

}  // namespace rpbench::transport
