#include "transport/remote_memory.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "transport/protocol.h"
#include "base/token.h"

namespace rpbench::transport {

namespace {

std::string size_text(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  uint64_t v = bytes;
  while (u < 4 && v >= 1024 && v % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  return std::to_string(v) + " " + units[u];
}

}  // namespace

std::string region_allocation(const TransportOptions& o) {
  if (o.memnode != "auto") return "remote node's choice";
  if (o.prefault) return "pre-faulted";
  return o.type == "verbs" ? "pinned by the node's verbs registration" : "lazy";
}

std::string memnode_problem(const std::string& type, const std::string& memnode) {
  const std::string got = "got \"" + memnode + "\"";
  if (memnode == "auto") return "";
  if (memnode.empty()) return "expected auto, HOST:PORT or unix:PATH, " + got;
  const bool is_unix = memnode.rfind("unix:", 0) == 0;
  if (type == "shm" && !is_unix)
    return "shm maps the region through the node's unix socket; expected auto or unix:PATH, " + got;
  if (type != "shm" && is_unix) return type + " needs auto or HOST:PORT, " + got;
  if (is_unix) return memnode.size() == 5 ? "unix: needs a socket path" : "";
  const auto colon = memnode.rfind(':');
  const std::string port = colon == std::string::npos ? "" : memnode.substr(colon + 1);
  const bool port_ok = colon != 0 && !port.empty() && port.size() <= 5 &&
                       port.find_first_not_of("0123456789") == std::string::npos && std::stoul(port) >= 1 &&
                       std::stoul(port) <= 65535;
  if (!port_ok) return "expected auto or HOST:PORT with a port in 1..65535, " + got;
  return "";
}

RemoteMemory::RemoteMemory(TransportOptions options) : options_(std::move(options)) {
  if (options_.type != "shm" && options_.type != "tcp" && options_.type != "verbs")
    throw std::runtime_error("transport.type '" + options_.type + "' is not a remote-memory transport");
  options_.token = token_or_env(options_.token);
  if (const std::string problem = memnode_problem(options_.type, options_.memnode); !problem.empty())
    throw std::invalid_argument("transport.memnode: " + problem);
  if (options_.memnode == "auto") {
    if (options_.region != 0)
      throw std::invalid_argument("transport.region " + std::to_string(options_.region) +
                                  ": the auto memory node has one region, 0");
    if (options_.token.empty()) options_.token = random_token();
    MemnodeLaunch launch;
    launch.listen_address = options_.listen_address;
    launch.regions = 1;
    launch.region_bytes = options_.region_bytes;
    launch.prefault = options_.prefault;
    launch.token = options_.token;
    launch.shm = options_.type == "shm";
    launch.verbs = options_.type == "verbs";
    node_ = std::make_unique<MemnodeProcess>(launch);
    const MemnodeEndpoints& e = node_->endpoints();
    endpoint_ = options_.type == "shm" ? e.unix : options_.type == "verbs" ? e.verbs : e.tcp;
    if (endpoint_.empty())
      throw std::runtime_error("the memory node started for transport " + options_.type +
                               " did not report an endpoint for it: " + node_->ready_line());
  } else {
    if (options_.token.empty())
      throw std::runtime_error("memory node " + options_.memnode + ": no token (set transport.token or $" +
                               protocol::kTokenEnv + ")");
    endpoint_ = options_.memnode;
  }
  transport_ = connect(options_, endpoint_);
}

RemoteMemory::~RemoteMemory() {
  if (transport_) transport_->close();
  transport_.reset();
  if (node_) node_->stop();
}

std::unique_ptr<Transport> RemoteMemory::connect_again() const { return connect(options_, endpoint_); }

std::string RemoteMemory::describe() const {
  std::string node;
  if (node_)
    node = "memnode auto, pid " + std::to_string(node_->pid()) + ", " + size_text(options_.region_bytes) + " " +
           region_allocation(options_);
  else
    node = "memnode " + options_.memnode;
  return transport_->describe() + " (" + node + ")";
}

}  // namespace rpbench::transport
