// RemoteMemory: what an engine or a probe holds to use remote memory: the memory node (its own
// child process when options.memnode is "auto", else the address the config names) and a
// connection to it. Built from TransportOptions alone, so every user starts, connects and stops a
// node the same way, and every result can say exactly what it ran on (describe()).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/status_or.h"
#include "transport/memnode_process.h"
#include "transport/options.h"
#include "transport/registry.h"
#include "transport/transport.h"

namespace rpbench::transport {

// How the region's pages come to be: "pre-faulted", "lazy", "pinned by the node's verbs
// registration" (ibv_reg_mr faults in every page of a lazy region when the node starts), or
// "remote node's choice" for a node the harness did not start.
std::string region_allocation(const TransportOptions& options);

// What is wrong with `memnode` for a transport of `type` (shm, tcp, verbs): "" when it is "auto",
// "unix:PATH" for shm, or "HOST:PORT" with a port in 1..65535 for tcp and verbs; else a message
// for the user ("expected ..., got \"...\"").
std::string memnode_problem(const std::string& type, const std::string& memnode);

// The node's facts (protocol::encode_node_facts text, as its hello reply carries them) as the
// fields node_json() records: a value of digits only is a number, any other a string.
nlohmann::json node_facts_json(std::string_view facts);

class RemoteMemory {
 public:
  // Starts the node when memnode == "auto" (token: options.token, else $RPBENCH_MEMNODE_TOKEN,
  // else a fresh random one), then connects. kInvalidArgument for options that name no transport
  // of the registry, a memnode address of the wrong kind, a region the auto node does not have or
  // a named node without a token; else MemnodeProcess::start()'s or connect()'s error.
  static StatusOr<std::unique_ptr<RemoteMemory>> open(TransportOptions options);
  ~RemoteMemory();  // closes the connection, then stops the node it started
  RemoteMemory(const RemoteMemory&) = delete;
  RemoteMemory& operator=(const RemoteMemory&) = delete;

  Transport& transport() { return *transport_; }
  // A new, independent connection to the same region (e.g. for a forked child: mode a).
  StatusOr<std::unique_ptr<Transport>> connect_again() const;
  const TransportOptions& options() const { return options_; }
  const std::string& endpoint() const { return endpoint_; }
  // The node this process started (nullptr for a remote node).
  MemnodeProcess* own_node() const { return node_.get(); }
  // "tcp to 127.0.0.1:40123 (memnode auto, pid 123, 1 GiB lazy), 2 channels": one line for logs.
  std::string describe() const;
  // The memory node as the result's context.memory_node records it: endpoint, transport, and the
  // host facts it gave in its handshake (host, kernel, cpu_model, cores, memory_bytes, regions,
  // region_bytes, allocation). The verbs handshake (rdma_cm private data) carries none: they are
  // asked for over the node's tcp listener on the same address and port; "facts" says where they
  // came from, or why there are none.
  nlohmann::json node_json() const;

 private:
  explicit RemoteMemory(TransportOptions options) : options_(std::move(options)) {}
  // memnode "auto": starts the node and takes the endpoint of `listener` from its ready line.
  Status start_node(NodeListener listener);

  TransportOptions options_;
  std::unique_ptr<MemnodeProcess> node_;
  std::string endpoint_;
  std::unique_ptr<Transport> transport_;
  std::string node_facts_;  // protocol::encode_node_facts text, "" when none
  std::string facts_from_;  // "handshake", "tcp handshake on the same port", or why there are none
};

}  // namespace rpbench::transport
