#include "transport/rdma_util.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/errno_text.h"
#include "base/host_port.h"
#include "transport/little_endian.h"

namespace rpbench::transport::rdma {

using namespace le;  // put16/32/64, get16/32/64

std::string device_names() {
  int n = 0;
  ibv_device** list = ibv_get_device_list(&n);
  if (!list) return "none (ibv_get_device_list failed: " + std::string(errno_text()) + ")";
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (!out.empty()) out += ", ";
    out += ibv_get_device_name(list[i]);
  }
  ibv_free_device_list(list);
  return out.empty() ? "none" : out;
}

int device_count() {
  int n = 0;
  ibv_device** list = ibv_get_device_list(&n);
  if (!list) return 0;
  ibv_free_device_list(list);
  return n;
}

bool init_fork_support() {
  // Kernels >= 5.13 copy pinned (registered) pages for the child at fork, so the parent's
  // registrations stay valid: IBV_FORK_UNNEEDED, nothing to do. Older kernels need
  // ibv_fork_init(): it makes every registration MADV_DONTFORK (the child then has no such pages).
  if (ibv_is_fork_initialized() == IBV_FORK_DISABLED) ibv_fork_init();
  return fork_init_active();
}

bool fork_init_active() { return ibv_is_fork_initialized() == IBV_FORK_ENABLED; }

std::string no_device_message(const std::string& address, const std::string& what_failed) {
  return "verbs transport: cannot reach " + address + ": " + what_failed +
         ". RDMA devices found by ibv_get_device_list: " + device_names() +
         " (looked for /sys/class/infiniband/* and /dev/infiniband/rdma_cm). No RDMA device serves this "
         "address: load Soft-RoCE (modprobe rdma_rxe; rdma link add rxe0 type rxe netdev IFACE), run the "
         "verbs tests in scripts/rxe_vm.sh, or use transport.type tcp or shm";
}

StatusOr<sockaddr_storage> parse_endpoint(const std::string& endpoint) {
  const StatusOr<HostPort> hp = parse_host_port(endpoint);
  if (!hp.ok()) return hp.status().with_context("verbs endpoint ");
  return resolve(hp->host, hp->port, endpoint);
}

StatusOr<sockaddr_storage> resolve(const std::string& host, uint16_t port, const std::string& endpoint) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || !res)
    return Status::Unavailable("verbs endpoint '" + endpoint + "': cannot resolve: " + gai_strerror(rc));
  sockaddr_storage ss{};
  std::memcpy(&ss, res->ai_addr, std::min<size_t>(res->ai_addrlen, sizeof(ss)));
  freeaddrinfo(res);
  return ss;
}

Status set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
    return errno_status("fcntl(O_NONBLOCK) on an rdma event channel");
  return Status::Ok();
}

std::optional<CmEvent> next_event(rdma_event_channel* ch, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    rdma_cm_event* ev = nullptr;
    if (rdma_get_cm_event(ch, &ev) == 0) {
      CmEvent out;
      out.type = ev->event;
      out.status = ev->status;
      out.id = ev->id;
      out.listen_id = ev->listen_id;
      const auto& conn = ev->param.conn;
      if (conn.private_data && conn.private_data_len > 0) {
        out.private_data_len = static_cast<uint8_t>(std::min<size_t>(conn.private_data_len, sizeof(out.private_data)));
        std::memcpy(out.private_data, conn.private_data, out.private_data_len);
      }
      out.initiator_depth = conn.initiator_depth;
      out.responder_resources = conn.responder_resources;
      rdma_ack_cm_event(ev);
      return out;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{ch->fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count() + 1, 1000)));
  }
}

void encode(const AcceptData& a, std::span<uint8_t, kAcceptBytes> out) {
  uint8_t* p = out.data();
  std::memset(p, 0, kAcceptBytes);
  put32(p, a.magic);
  put16(p + 4, a.version);
  put32(p + 8, static_cast<uint32_t>(a.code));
  put64(p + 16, a.region_bytes);
  put64(p + 24, a.addr);
  put32(p + 32, a.rkey);
}

std::optional<AcceptData> decode_accept(std::span<const uint8_t> in) {
  if (in.size() < kAcceptBytes) return std::nullopt;
  const uint8_t* p = in.data();
  AcceptData a;
  a.magic = get32(p);
  if (a.magic != protocol::kMagic) return std::nullopt;
  a.version = get16(p + 4);
  a.code = static_cast<protocol::Code>(get32(p + 8));
  a.region_bytes = get64(p + 16);
  a.addr = get64(p + 24);
  a.rkey = get32(p + 32);
  return a;
}

}  // namespace rpbench::transport::rdma
