#include "tests/transport/transport_bed.h"

#include <signal.h>

#include <cstdlib>
#include <map>
#include <stdexcept>

#include "base/sizes.h"
#include "base/token.h"
#include "tests/transport/test_util.h"
#include "transport/rdma_util.h"
#include "transport/registry.h"

namespace rpbench::transport::testing {

namespace {

std::string channels_text(int n) { return std::to_string(n) + (n == 1 ? " channel" : " channels"); }

// shm and tcp: a node on 127.0.0.1 (describe() in their own words, shm_transport.cc / tcp_transport.cc).
class SocketBed : public TransportBed {
 public:
  explicit SocketBed(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::unique_ptr<Nowhere> nowhere() const override {
    auto n = std::make_unique<Nowhere>();
    if (name_ == "shm") {
      auto path = std::make_shared<UnixPath>(false);  // a path in an empty directory
      n->endpoints.push_back("unix:" + path->path);
      n->keep.push_back(path);
    } else {
      auto port = std::make_shared<TcpPort>(false);  // bound, not listening: connections are refused
      n->endpoints.push_back(port->endpoint);
      n->keep.push_back(port);
    }
    return n;
  }
  std::vector<std::string> describe_mentions(const TransportOptions& o) const override {
    std::vector<std::string> m = {channels_text(o.channels), "chunk " + format_size_exact(o.chunk_bytes),
                                  "queue depth " + std::to_string(o.queue_depth)};
    if (name_ == "shm") m.push_back("1 copying thread");
    return m;
  }

 private:
  std::string name_;
};

// verbs: inside the Soft-RoCE VM, rxe0 on a dummy netdev at $RXE_VM_IP (scripts/rxe_vm.sh).
class VerbsBed : public TransportBed {
 public:
  std::string name() const override { return "verbs"; }
  std::string unavailable() const override {
    if (!std::getenv("RXE_VM") || !std::getenv("RXE_VM_IP"))
      return "not inside the Soft-RoCE VM (RXE_VM is not set): run through scripts/rxe_vm.sh, e.g. ctest -L verbs";
    if (rdma::device_count() == 0) return "no RDMA device in the VM (" + rdma::device_names() + ")";
    return "";
  }
  MemnodeLaunch launch(uint64_t region_bytes, uint32_t regions) const override {
    MemnodeLaunch l = TransportBed::launch(region_bytes, regions);
    l.listen_address = ip();
    return l;
  }
  int connect_timeout_ms() const override { return 10000; }  // TCG is slow
  uint64_t max_transfer_bytes() const override { return 8ull << 20; }
  std::unique_ptr<Nowhere> nowhere() const override {
    auto n = std::make_unique<Nowhere>();
    {
      TestNode gone(*this, 1 << 20);
      n->endpoints.push_back(gone.endpoint());
    }  // nothing listens there any more
    // On rxe0's subnet, no such host (the dummy netdev answers no ARP).
    const std::string vm_ip = ip();
    n->endpoints.push_back(vm_ip.substr(0, vm_ip.rfind('.')) + ".99:7000");
    return n;
  }
  std::vector<std::string> describe_mentions(const TransportOptions& o) const override {
    const char* dev = std::getenv("RXE_VM_DEV");
    return {"device " + std::string(dev != nullptr ? dev : "rxe0"), "channels " + std::to_string(o.channels),
            "queue_depth " + std::to_string(o.queue_depth), "chunk_bytes " + std::to_string(o.chunk_bytes)};
  }

 private:
  static std::string ip() {
    const char* ip = std::getenv("RXE_VM_IP");
    return ip != nullptr ? ip : "10.77.0.1";
  }
};

NodeListener listener_of(const std::string& name) {
  const TransportEntry* e = find_transport(name);
  if (e == nullptr) throw std::invalid_argument("no transport '" + name + "' in the registry");
  return e->listener;
}

}  // namespace

MemnodeLaunch TransportBed::launch(uint64_t region_bytes, uint32_t regions) const {
  MemnodeLaunch l;
  l.binary = RPBENCH_MEMNODE_BINARY;
  l.region_bytes = region_bytes;
  l.regions = regions;
  l.shm = listener_of(name()) == NodeListener::kUnixSocket;
  l.verbs = listener_of(name()) == NodeListener::kRdmaCm;
  l.ready_timeout_ms = 10000;
  return l;
}

const TransportBed& transport_bed(const std::string& name) {
  static const std::map<std::string, std::shared_ptr<TransportBed>> beds = {
      {"shm", std::make_shared<SocketBed>("shm")},
      {"tcp", std::make_shared<SocketBed>("tcp")},
      {"verbs", std::make_shared<VerbsBed>()},
  };
  auto it = beds.find(name);
  if (it == beds.end()) throw std::invalid_argument("no test bed for transport '" + name + "'");
  return *it->second;
}

std::string why_unavailable(const std::string& name) { return transport_bed(name).unavailable(); }

bool required(const std::string& name) {
  const char* r = std::getenv("RPBENCH_REQUIRE_TRANSPORT");
  return r != nullptr && name == r;
}

TestNode::TestNode(const TransportBed& bed, uint64_t region_bytes, uint32_t regions,
                   const std::vector<std::string>& extra_args)
    : bed_(bed), token_(value_or_throw(random_token())) {
  MemnodeLaunch l = bed.launch(region_bytes, regions);
  l.token = token_;
  l.extra_args.insert(l.extra_args.end(), extra_args.begin(), extra_args.end());
  process_ = value_or_throw(MemnodeProcess::start(l));
  const MemnodeEndpoints& e = process_->endpoints();
  switch (listener_of(bed.name())) {
    case NodeListener::kUnixSocket: endpoint_ = e.unix; break;
    case NodeListener::kTcp: endpoint_ = e.tcp; break;
    case NodeListener::kRdmaCm: endpoint_ = e.verbs; break;
  }
  if (endpoint_.empty())
    throw std::runtime_error("the node names no endpoint for " + bed.name() + ": " + process_->ready_line());
}

TransportOptions TestNode::options(int channels, uint64_t chunk_bytes, int queue_depth) const {
  TransportOptions o;
  o.type = bed_.name();
  o.memnode = endpoint_;
  o.channels = channels;
  o.chunk_bytes = chunk_bytes;
  o.queue_depth = queue_depth;
  o.token = token_;
  o.connect_timeout_ms = bed_.connect_timeout_ms();
  return o;
}

StatusOr<std::unique_ptr<Transport>> TestNode::try_connect(const TransportOptions& o) const {
  return transport::connect(o, endpoint_);
}

std::unique_ptr<Transport> TestNode::connect(const TransportOptions& o) const { return value_or_throw(try_connect(o)); }

void TestNode::kill_and_reap(int sig) {
  ::kill(process_->pid(), sig);
  (void)process_->stop();
}

}  // namespace rpbench::transport::testing
