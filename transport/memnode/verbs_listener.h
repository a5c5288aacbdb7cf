// The memory node's verbs side: an rdma_cm listener on ADDRESS:PORT (its own thread) that
// registers each region once per device (REMOTE_READ | REMOTE_WRITE), checks a client's
// handshake (protocol::Hello's fields in the connect request's private data: magic, version,
// region, token), and accepts with the region's address, rkey and size in the private data, or
// rejects with a protocol::Code. One-sided traffic then needs no CPU of the node.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "transport/memnode/region.h"

namespace rpbench::transport {

class VerbsListener {
 public:
  // Listening and its thread started; kUnavailable naming the address (and what to do) when no
  // RDMA device serves it or bind fails, kInvalidArgument for a bad token or address.
  static StatusOr<std::unique_ptr<VerbsListener>> open(std::vector<Region*> regions, const std::string& address,
                                                       uint16_t port, std::string token);
  ~VerbsListener();  // stops the thread, disconnects every client, deregisters
  VerbsListener(const VerbsListener&) = delete;
  VerbsListener& operator=(const VerbsListener&) = delete;

  std::string endpoint() const;  // "ADDRESS:PORT" (the port actually bound)

 private:
  VerbsListener();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rpbench::transport
