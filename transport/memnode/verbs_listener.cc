#include "transport/memnode/verbs_listener.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "base/errno_text.h"
#include "base/unique_fd.h"
#include "transport/rdma_util.h"

namespace rpbench::transport {

namespace {

// What the node keeps per RDMA device (verbs context): one PD, a CQ the (never used) QPs need,
// and each region registered once.
struct Device {
  rdma::Pd pd;
  rdma::Cq cq;
  std::map<uint32_t, rdma::Mr> mrs;  // region id -> registration
  uint8_t max_responder = 1;         // device's max_qp_rd_atom: RDMA READs a client may have in flight
};

}  // namespace

struct VerbsListener::Impl {
  std::vector<Region*> regions;
  std::string token;
  std::string address;
  rdma::EventChannel channel;
  rdma::CmId listen_id;
  UniqueFd stop_fd;
  std::map<ibv_context*, Device> devices;
  // Accepted or being accepted; at most kMaxClients (a client that vanishes without a DISCONNECTED
  // event, its host gone, keeps its entry until the node stops).
  static constexpr size_t kMaxClients = 512;
  std::map<rdma_cm_id*, rdma::CmId> clients;
  std::string endpoint;
  std::thread thread;

  Region* find_region(uint32_t id) const {
    for (Region* r : regions)
      if (r->id() == id) return r;
    return nullptr;
  }

  StatusOr<Device*> device_for(ibv_context* ctx) {
    auto it = devices.find(ctx);
    if (it != devices.end()) return &it->second;
    Device d;
    d.pd.reset(ibv_alloc_pd(ctx));
    if (!d.pd) return errno_status("ibv_alloc_pd");
    d.cq.reset(ibv_create_cq(ctx, 16, nullptr, nullptr, 0));
    if (!d.cq) return errno_status("ibv_create_cq");
    ibv_device_attr attr{};
    if (ibv_query_device(ctx, &attr) == 0)
      d.max_responder = static_cast<uint8_t>(std::clamp(attr.max_qp_rd_atom, 1, 255));
    return &devices.emplace(ctx, std::move(d)).first->second;
  }

  // Registration pins the region's pages: a lazily allocated region is fully allocated here.
  StatusOr<ibv_mr*> mr_for(Device& d, Region& r) {
    auto it = d.mrs.find(r.id());
    if (it != d.mrs.end()) return it->second.get();
    rdma::Mr mr(ibv_reg_mr(d.pd.get(), r.data(), r.bytes(),
                           IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ));
    if (!mr) {
      const int err = errno;
      return errno_status("ibv_reg_mr of region " + std::to_string(r.id()) + " (" + std::to_string(r.bytes()) +
                              " bytes, is the locked-memory limit, ulimit -l, too low?)",
                          err);
    }
    return d.mrs.emplace(r.id(), std::move(mr)).first->second.get();
  }

  void reject(rdma_cm_id* id, protocol::Code code) {
    rdma::AcceptData a;
    a.code = code;
    std::array<uint8_t, rdma::kAcceptBytes> buf{};
    rdma::encode(a, buf);
    rdma_reject(id, buf.data(), static_cast<uint8_t>(buf.size()));
    rdma_destroy_id(id);
  }

  void on_connect_request(const rdma::CmEvent& ev) {
    rdma_cm_id* id = ev.id;
    if (ev.private_data_len < protocol::kHelloBytes) return reject(id, protocol::Code::kBadMagic);
    const protocol::HelloVerdict verdict =
        protocol::check_hello(std::span<const uint8_t, protocol::kHelloBytes>(ev.private_data, protocol::kHelloBytes),
                              token, regions.size(), /*shm_allowed=*/false);
    if (verdict.code != protocol::Code::kOk) return reject(id, verdict.code);
    Region* region = find_region(verdict.hello.region);
    if (!region) return reject(id, protocol::Code::kNoSuchRegion);
    if (clients.size() >= kMaxClients) return reject(id, protocol::Code::kNodeError);  // each holds a QP
    rdma::CmId owned(id);
    if (Status s = accept(id, ev, *region); !s.ok()) {
      std::fprintf(stderr, "memnode verbs: refusing a client: %s\n", s.message().c_str());
      rdma::AcceptData a;
      a.code = protocol::Code::kNodeError;
      std::array<uint8_t, rdma::kAcceptBytes> buf{};
      rdma::encode(a, buf);
      rdma_reject(id, buf.data(), static_cast<uint8_t>(buf.size()));
      return;  // `owned` destroys the QP (if made) and the id.
    }
    clients.emplace(id, std::move(owned));
  }

  // The QP (it only has to exist: clients read and write the region one-sided) and the accept
  // with the region's address, rkey and size.
  Status accept(rdma_cm_id* id, const rdma::CmEvent& ev, Region& region) {
    StatusOr<Device*> dev = device_for(id->verbs);
    if (!dev.ok()) return dev.status();
    StatusOr<ibv_mr*> mr = mr_for(**dev, region);
    if (!mr.ok()) return mr.status();
    ibv_qp_init_attr qa{};
    qa.send_cq = (*dev)->cq.get();
    qa.recv_cq = (*dev)->cq.get();
    qa.qp_type = IBV_QPT_RC;
    qa.cap.max_send_wr = 1;
    qa.cap.max_recv_wr = 1;
    qa.cap.max_send_sge = 1;
    qa.cap.max_recv_sge = 1;
    if (rdma_create_qp(id, (*dev)->pd.get(), &qa) != 0) return errno_status("rdma_create_qp");
    rdma::AcceptData a;
    a.region_bytes = region.bytes();
    a.addr = reinterpret_cast<uint64_t>(region.data());
    a.rkey = (*mr)->rkey;
    std::array<uint8_t, rdma::kAcceptBytes> buf{};
    rdma::encode(a, buf);
    rdma_conn_param param{};
    param.private_data = buf.data();
    param.private_data_len = static_cast<uint8_t>(buf.size());
    param.responder_resources = std::min<uint8_t>(std::max<uint8_t>(ev.initiator_depth, 1), (*dev)->max_responder);
    param.initiator_depth = 0;
    param.rnr_retry_count = 7;
    if (rdma_accept(id, &param) != 0) return errno_status("rdma_accept");
    return Status::Ok();
  }

  void handle(const rdma::CmEvent& ev) {
    switch (ev.type) {
      case RDMA_CM_EVENT_CONNECT_REQUEST: on_connect_request(ev); break;
      case RDMA_CM_EVENT_DISCONNECTED:
      case RDMA_CM_EVENT_REJECTED:
      case RDMA_CM_EVENT_UNREACHABLE:
      case RDMA_CM_EVENT_CONNECT_ERROR:
      case RDMA_CM_EVENT_DEVICE_REMOVAL: {
        auto it = clients.find(ev.id);
        if (it != clients.end()) {
          rdma_disconnect(ev.id);
          clients.erase(it);  // destroys the QP and the id
        }
        break;
      }
      default:  // ESTABLISHED, TIMEWAIT_EXIT, ...: nothing to do
        break;
    }
  }

  void run() {
    for (;;) {
      std::array<pollfd, 2> fds{{{channel->fd, POLLIN, 0}, {stop_fd.get(), POLLIN, 0}}};
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "memnode verbs: poll: %s\n", errno_text().c_str());
        return;
      }
      if (fds[1].revents) return;
      while (auto ev = rdma::next_event(channel.get(), std::chrono::steady_clock::now())) handle(*ev);
    }
  }
};

VerbsListener::VerbsListener() : impl_(std::make_unique<Impl>()) {}

StatusOr<std::unique_ptr<VerbsListener>> VerbsListener::open(std::vector<Region*> regions, const std::string& address,
                                                             uint16_t port, std::string token) {
  std::unique_ptr<VerbsListener> listener(new VerbsListener());
  Impl& m = *listener->impl_;
  m.regions = std::move(regions);
  m.token = std::move(token);
  m.address = address + ":" + std::to_string(port);
  if (m.token.empty() || m.token.size() > protocol::kMaxTokenBytes)
    return Status::InvalidArgument("verbs listener: the token must be 1.." + std::to_string(protocol::kMaxTokenBytes) +
                                   " bytes");
  rdma::init_fork_support();
  if (rdma::device_count() == 0)
    return Status::Unavailable(rdma::no_device_message(m.address, "no RDMA device found to listen on"));
  StatusOr<sockaddr_storage> parsed = rdma::resolve(address, port, m.address);
  if (!parsed.ok()) return parsed.status();
  sockaddr_storage ss = *parsed;
  m.channel.reset(rdma_create_event_channel());
  if (!m.channel)
    return Status::Unavailable(
        rdma::no_device_message(m.address, std::string("rdma_create_event_channel: ") + errno_text()));
  if (Status s = rdma::set_nonblocking(m.channel->fd); !s.ok()) return s;
  rdma_cm_id* id = nullptr;
  if (rdma_create_id(m.channel.get(), &id, nullptr, RDMA_PS_TCP) != 0)
    return errno_status("verbs listener on " + m.address + ": rdma_create_id");
  m.listen_id.reset(id);
  if (rdma_bind_addr(id, reinterpret_cast<sockaddr*>(&ss)) != 0)
    return Status::Unavailable(rdma::no_device_message(m.address, std::string("rdma_bind_addr: ") + errno_text()));
  if (rdma_listen(id, 128) != 0) return errno_status("verbs listener on " + m.address + ": rdma_listen");
  m.endpoint = address + ":" + std::to_string(ntohs(rdma_get_src_port(id)));
  // Bound to a device's address: register the regions now, so connecting clients do not wait for it.
  if (id->verbs) {
    StatusOr<Device*> dev = m.device_for(id->verbs);
    if (!dev.ok()) return dev.status().with_context("verbs listener on " + m.address + ": ");
    for (Region* r : m.regions)
      if (StatusOr<ibv_mr*> mr = m.mr_for(**dev, *r); !mr.ok())
        return mr.status().with_context("verbs listener on " + m.address + ": ");
  }
  m.stop_fd.reset(::eventfd(0, EFD_CLOEXEC));
  if (!m.stop_fd) return errno_status("verbs listener: eventfd");
  m.thread = std::thread([&m] { m.run(); });
  return listener;
}

VerbsListener::~VerbsListener() {
  Impl& m = *impl_;
  if (m.thread.joinable()) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(m.stop_fd.get(), &one, sizeof(one));
    m.thread.join();
  }
  for (auto& [id, owned] : m.clients) rdma_disconnect(id);
  m.clients.clear();
  m.listen_id.reset();
  // Drain (and ack) any event the disconnects produced, so destroying the channel does not wait.
  while (m.channel && rdma::next_event(m.channel.get(), std::chrono::steady_clock::now())) {}
  m.devices.clear();
}

std::string VerbsListener::endpoint() const { return impl_->endpoint; }

}  // namespace rpbench::transport
