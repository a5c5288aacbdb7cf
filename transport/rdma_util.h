// rdma-core helpers shared by the verbs transport (client) and the memory node's verbs listener:
// RAII owners for rdma_cm and verbs objects, cm event waiting with a deadline, device discovery for
// error messages, fork set-up, and the codec of the accept / reject private data.
#pragma once
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "base/status_or.h"
#include "transport/protocol.h"

namespace rpbench::transport::rdma {

struct EventChannelDeleter {
  void operator()(rdma_event_channel* c) const { rdma_destroy_event_channel(c); }
};
using EventChannel = std::unique_ptr<rdma_event_channel, EventChannelDeleter>;

// Destroys the id's QP (if any) and then the id. Every event of the id must have been acked.
struct CmIdDeleter {
  void operator()(rdma_cm_id* id) const {
    if (id->qp) rdma_destroy_qp(id);
    rdma_destroy_id(id);
  }
};
using CmId = std::unique_ptr<rdma_cm_id, CmIdDeleter>;

struct ContextDeleter {
  void operator()(ibv_context* c) const { ibv_close_device(c); }
};
using Context = std::unique_ptr<ibv_context, ContextDeleter>;

struct QpDeleter {
  void operator()(ibv_qp* q) const { ibv_destroy_qp(q); }
};
using Qp = std::unique_ptr<ibv_qp, QpDeleter>;

struct PdDeleter {
  void operator()(ibv_pd* p) const { ibv_dealloc_pd(p); }
};
using Pd = std::unique_ptr<ibv_pd, PdDeleter>;

struct MrDeleter {
  void operator()(ibv_mr* m) const { ibv_dereg_mr(m); }
};
using Mr = std::unique_ptr<ibv_mr, MrDeleter>;

struct CqDeleter {
  void operator()(ibv_cq* c) const { ibv_destroy_cq(c); }
};
using Cq = std::unique_ptr<ibv_cq, CqDeleter>;

struct CompChannelDeleter {
  void operator()(ibv_comp_channel* c) const { ibv_destroy_comp_channel(c); }
};
using CompChannel = std::unique_ptr<ibv_comp_channel, CompChannelDeleter>;

// "rxe0, mlx5_0" or "none"; what ibv_get_device_list() returned.
std::string device_names();
int device_count();

// Calls ibv_fork_init() when this kernel needs it (ibv_is_fork_initialized() == IBV_FORK_DISABLED:
// kernels before 5.13, where a registered page must not be copied on write in the parent after a
// fork). On newer kernels it reports IBV_FORK_UNNEEDED and nothing is done. Returns whether fork
// support is active (then registrations are MADV_DONTFORK).
bool init_fork_support();
bool fork_init_active();

// The error text for "this host cannot do verbs towards `address`": devices found, what to do.
std::string no_device_message(const std::string& address, const std::string& what_failed);

// Parses "HOST:PORT" (numeric or resolvable host; IPv6 as [::1]:PORT) into a socket address.
// kInvalidArgument for a malformed endpoint, kUnavailable for a host that does not resolve; the
// message names the endpoint.
StatusOr<sockaddr_storage> parse_endpoint(const std::string& endpoint);
// The socket address of `host` (a name or an address, IPv6 without brackets) and `port` (0: any,
// for a listener); kUnavailable naming `endpoint` when the host does not resolve.
StatusOr<sockaddr_storage> resolve(const std::string& host, uint16_t port, const std::string& endpoint);

// Makes an event channel's fd non-blocking (so events can be polled without waiting).
Status set_nonblocking(int fd);

// A cm event's content, copied so the event can be acked at once (rdma_destroy_id waits for acks).
struct CmEvent {
  rdma_cm_event_type type{};
  int status = 0;
  rdma_cm_id* id = nullptr;
  rdma_cm_id* listen_id = nullptr;
  uint8_t private_data[256] = {};
  uint8_t private_data_len = 0;
  uint8_t initiator_depth = 0;
  uint8_t responder_resources = 0;
};
// Next event from a non-blocking channel; nullopt when none arrives before `deadline`.
std::optional<CmEvent> next_event(rdma_event_channel* ch, std::chrono::steady_clock::time_point deadline);

// The node's answer to a connect request, in the accept's (or reject's) private data: 40 bytes,
// little-endian, encoded field by field like protocol.cc.
struct AcceptData {
  uint32_t magic = protocol::kMagic;
  uint16_t version = protocol::kVersion;
  protocol::Code code = protocol::Code::kOk;
  uint64_t region_bytes = 0;
  uint64_t addr = 0;  // the region's virtual address in the node (the RDMA target address)
  uint32_t rkey = 0;
};
inline constexpr size_t kAcceptBytes = 40;
void encode(const AcceptData& a, std::span<uint8_t, kAcceptBytes> out);
// nullopt when the magic is not ours (e.g. a reject by the kernel's CM, not by a memory node).
std::optional<AcceptData> decode_accept(std::span<const uint8_t> in);

}  // namespace rpbench::transport::rdma
