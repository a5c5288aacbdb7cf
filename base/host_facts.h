// What a machine is, for results that must name where they ran: the client's context
// (harness/context.cc) and the memory node's answer to a handshake (transport/memnode), so a
// result of two hosts names both.
#pragma once
#include <cstdint>
#include <string>

namespace rpbench {

struct HostFacts {
  std::string host;    // uname nodename
  std::string kernel;  // "Linux 6.1.0-26-amd64"
  std::string cpu_model;
  int64_t cores = 0;         // online
  int64_t memory_bytes = 0;  // physical
};

HostFacts host_facts();

}  // namespace rpbench
