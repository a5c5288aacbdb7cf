#include "transport/remote_memory.h"

#include <utility>

#include "base/host_port.h"
#include "base/sizes.h"
#include "base/token.h"
#include "transport/protocol.h"

namespace rpbench::transport {

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
  const TransportEntry* entry = find_transport(type);
  const bool wants_unix = entry != nullptr && entry->listener == NodeListener::kUnixSocket;
  if (wants_unix && !is_unix)
    return type + " maps the region through the node's unix socket; expected auto or unix:PATH, " + got;
  if (!wants_unix && is_unix) return type + " needs auto or HOST:PORT, " + got;
  if (is_unix) return memnode.size() == 5 ? "unix: needs a socket path" : "";
  if (const StatusOr<HostPort> hp = parse_host_port(memnode); !hp.ok())
    return hp.status().message() + "; or auto (a node the run starts itself)";
  return "";
}

StatusOr<std::unique_ptr<RemoteMemory>> RemoteMemory::open(TransportOptions options) {
  const TransportEntry* entry = find_transport(options.type);
  if (entry == nullptr)
    return Status::InvalidArgument("transport.type '" + options.type + "' is not a remote-memory transport (expected " +
                                   transport_choices() + ")");
  if (const std::string problem = memnode_problem(options.type, options.memnode); !problem.empty())
    return Status::InvalidArgument("transport.memnode: " + problem);
  std::unique_ptr<RemoteMemory> remote(new RemoteMemory(std::move(options)));
  TransportOptions& o = remote->options_;
  o.token = token_or_env(o.token);
  if (o.memnode == "auto") {
    if (Status s = remote->start_node(entry->listener); !s.ok()) return s;
  } else {
    if (o.token.empty())
      return Status::InvalidArgument("memory node " + o.memnode + ": no token (set transport.token or $" +
                                     protocol::kTokenEnv + ")");
    remote->endpoint_ = o.memnode;
  }
  StatusOr<std::unique_ptr<Transport>> t = entry->connect(o, remote->endpoint_);
  if (!t.ok()) return t.status();
  remote->transport_ = std::move(*t);
  remote->node_facts_ = remote->transport_->node_facts();
  remote->facts_from_ = "handshake";
  if (remote->node_facts_.empty() && o.type == "verbs") {
    // The node serves tcp on the verbs listener's address and port: one hello there for the facts.
    TransportOptions tcp = o;
    tcp.type = "tcp";
    tcp.channels = 1;
    StatusOr<std::unique_ptr<Transport>> c = connect(tcp, remote->endpoint_);
    if (c.ok()) {
      remote->node_facts_ = (*c)->node_facts();
      remote->facts_from_ = "tcp handshake on the same port";
      (void)(*c)->close();
    } else {
      remote->facts_from_ =
          "none: the verbs handshake carries no host facts and the node's tcp listener did not answer (" +
          c.status().message() + ")";
    }
  }
  if (remote->node_facts_.empty() && remote->facts_from_ == "handshake")
    remote->facts_from_ = "none: the node's " + o.type + " handshake gave no host facts";
  return remote;
}

Status RemoteMemory::start_node(NodeListener listener) {
  if (options_.region != 0)
    return Status::InvalidArgument("transport.region " + std::to_string(options_.region) +
                                   ": the auto memory node has one region, 0");
  if (options_.token.empty()) {
    StatusOr<std::string> fresh = random_token();
    if (!fresh.ok()) return fresh.status();
    options_.token = *fresh;
  }
  MemnodeLaunch launch;
  launch.listen_address = options_.listen_address;
  launch.regions = 1;
  launch.region_bytes = options_.region_bytes;
  launch.prefault = options_.prefault;
  launch.token = options_.token;
  launch.shm = listener == NodeListener::kUnixSocket;
  launch.verbs = listener == NodeListener::kRdmaCm;
  StatusOr<std::unique_ptr<MemnodeProcess>> node = MemnodeProcess::start(launch);
  if (!node.ok()) return node.status();
  node_ = std::move(*node);
  const MemnodeEndpoints& e = node_->endpoints();
  endpoint_ = listener == NodeListener::kUnixSocket ? e.unix : listener == NodeListener::kRdmaCm ? e.verbs : e.tcp;
  if (endpoint_.empty())
    return Status::Internal("the memory node started for transport " + options_.type +
                            " did not report an endpoint for it: " + node_->ready_line());
  return Status::Ok();
}

RemoteMemory::~RemoteMemory() {
  if (transport_) (void)transport_->close();
  transport_.reset();
  if (node_) (void)node_->stop();
}

StatusOr<std::unique_ptr<Transport>> RemoteMemory::connect_again() const { return connect(options_, endpoint_); }

std::string RemoteMemory::describe() const {
  std::string node;
  if (node_)
    node = "memnode auto, pid " + std::to_string(node_->pid()) + ", " + format_size_exact(options_.region_bytes) + " " +
           region_allocation(options_);
  else
    node = "memnode " + options_.memnode;
  return transport_->describe() + " (" + node + ")";
}

nlohmann::json node_facts_json(std::string_view facts) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : protocol::parse_node_facts(facts)) {
    const bool number =
        !value.empty() && value.size() < 19 && value.find_first_not_of("0123456789") == std::string::npos;
    j[key] = number ? nlohmann::json(std::stoll(value)) : nlohmann::json(value);
  }
  return j;
}

nlohmann::json RemoteMemory::node_json() const {
  nlohmann::json j{{"endpoint", endpoint_}, {"transport", options_.type}, {"started_by_harness", node_ != nullptr}};
  j.update(node_facts_json(node_facts_));
  j["facts"] = facts_from_;
  return j;
}

}  // namespace rpbench::transport
