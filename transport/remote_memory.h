// RemoteMemory: what an engine or a probe holds to use remote memory: the memory node (its own
// child process when options.memnode is "auto", else the address the config names) and a
// connection to it. Built from TransportOptions alone, so every user starts, connects and stops a
// node the same way, and every result can say exactly what it ran on (describe()).
#pragma once
#include <memory>
#include <string>

#include "transport/memnode_process.h"
#include "transport/options.h"
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

class RemoteMemory {
 public:
  // Starts the node when memnode == "auto" (token: options.token, else $RPBENCH_MEMNODE_TOKEN,
  // else a fresh random one), then connects. Throws std::runtime_error with the reason.
  explicit RemoteMemory(TransportOptions options);
  ~RemoteMemory();  // closes the connection, then stops the node it started
  RemoteMemory(const RemoteMemory&) = delete;
  RemoteMemory& operator=(const RemoteMemory&) = delete;

  Transport& transport() { return *transport_; }
  // A new, independent connection to the same region (e.g. for a forked child: mode a).
  std::unique_ptr<Transport> connect_again() const;
  const TransportOptions& options() const { return options_; }
  const std::string& endpoint() const { return endpoint_; }
  // The node this process started (nullptr for a remote node).
  MemnodeProcess* own_node() const { return node_.get(); }
  // "tcp to 127.0.0.1:40123 (memnode auto, pid 123, 1 GiB lazy), 2 channels": one line for logs.
  std::string describe() const;

 private:
  TransportOptions options_;
  std::unique_ptr<MemnodeProcess> node_;
  std::string endpoint_;
  std::unique_ptr<Transport> transport_;
};

}  // namespace rpbench::transport
