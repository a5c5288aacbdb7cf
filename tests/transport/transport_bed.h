// The transports as the tests see them. For each transport of the registry a test bed says how to
// start a memory node that serves it (a real rpbench-memnode through MemnodeProcess), where nothing
// serves it, what its describe() must mention, how large a transfer its tests move, and whether it
// can run on this machine at all (verbs: only inside the Soft-RoCE VM, scripts/rxe_vm.sh). The
// transport suite (transport_suite.h) runs one set of cases over the beds.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "transport/memnode_process.h"
#include "transport/options.h"
#include "transport/transport.h"

namespace rpbench::transport::testing {

// Endpoints of a transport where nothing serves it, and what keeps them so while the object lives
// (a port bound but not listening, an empty directory).
struct Nowhere {
  std::vector<std::string> endpoints;
  std::vector<std::shared_ptr<void>> keep;
};

class TransportBed {
 public:
  virtual ~TransportBed() = default;
  virtual std::string name() const = 0;  // the registry's name
  // Why the transport cannot be tested on this machine, or "" when it can.
  virtual std::string unavailable() const { return ""; }
  // A memory node for this transport: regions of region_bytes, lazily allocated.
  virtual MemnodeLaunch launch(uint64_t region_bytes, uint32_t regions) const;
  // connect_timeout_ms of the tests' connections.
  virtual int connect_timeout_ms() const { return 5000; }
  // The largest single transfer a test moves (Soft-RoCE under TCG moves tens of MB/s).
  virtual uint64_t max_transfer_bytes() const { return 64ull << 20; }
  virtual std::unique_ptr<Nowhere> nowhere() const = 0;
  // What describe() of a connection with options `o` mentions beyond the name and the endpoint.
  virtual std::vector<std::string> describe_mentions(const TransportOptions& o) const = 0;
};

// The bed of a transport of the registry (throws for any other name).
const TransportBed& transport_bed(const std::string& name);

// Why transport `name` cannot be tested here ("" when it can), and whether the run requires it
// ($RPBENCH_REQUIRE_TRANSPORT names it: the ctest label verbs sets it inside the VM, so a VM
// without a usable device fails instead of passing on skipped tests).
std::string why_unavailable(const std::string& name);
bool required(const std::string& name);

// A memory node of its own for one test (or suite), serving one transport.
class TestNode {
 public:
  // extra_args: further rpbench-memnode flags (--region-dir DIR for a node that can come back).
  TestNode(const TransportBed& bed, uint64_t region_bytes, uint32_t regions = 1,
           const std::vector<std::string>& extra_args = {});
  const TransportBed& bed() const { return bed_; }
  MemnodeProcess& process() { return *process_; }
  const std::string& token() const { return token_; }
  const std::string& endpoint() const { return endpoint_; }  // the node's listener for the transport
  TransportOptions options(int channels = 1, uint64_t chunk_bytes = 1 << 20, int queue_depth = 64) const;
  // Through the registry, as the harness connects (transport::connect).
  StatusOr<std::unique_ptr<Transport>> try_connect(const TransportOptions& o) const;
  // A connection the test needs (a failure throws: gtest reports it with the message).
  std::unique_ptr<Transport> connect(const TransportOptions& o) const;
  std::unique_ptr<Transport> connect(int channels = 1, uint64_t chunk_bytes = 1 << 20, int queue_depth = 64) const {
    return connect(options(channels, chunk_bytes, queue_depth));
  }
  // SIGKILL (or another signal), then reap: when this returns the node's sockets are closed.
  void kill_and_reap(int sig);

 private:
  const TransportBed& bed_;
  std::string token_;
  std::unique_ptr<MemnodeProcess> process_;
  std::string endpoint_;
};

}  // namespace rpbench::transport::testing
