// The verbs transport (see verbs_transport.h and transport.h for the contract).
//
// Shape: one rdma_cm id + RC QP per channel, one PD, one CQ (with a completion channel, so wait()
// sleeps instead of spinning) and one cm event channel per transport. A transfer is cut into
// chunks of options.chunk_bytes posted round-robin over the QPs as RDMA WRITE / READ work requests
// (one SGE each) to the region's address and rkey from the node's accept private data.
//
// Selective signalling: a WR is signalled when it is the K-th since the last signalled one
// (options.verbs.signal_every), when it is the last chunk of a caller's transfer on that QP, or
// when it fills the QP's queue (queue_depth). Signalling each transfer's last WR per QP is how
// trailing unsignalled WRs are learnt about: on RC a signalled completion implies every earlier WR
// on that QP completed, so a transfer is done exactly when the CQEs of its last chunk on each QP
// it used (or of later signalled WRs on the same QPs) have arrived. This costs no extra work request (the alternative,
// a signalled zero-length RDMA WRITE posted from poll()/wait(), needs zero-length support from the provider and a spare
// queue slot) and at most one CQE per transfer and channel, about one per Completion the caller consumes; signal_every
// still thins the CQEs of large, many-chunk transfers. Signalling the WR that fills the queue guarantees post() always
// has a completion to wait for when a QP is full.
//
// Errors: an error completion (or a flush), a DISCONNECTED / DEVICE_REMOVAL cm event, or a failed
// ibv_post_send breaks the transport: every QP is moved to the error state (and disconnected) and
// every outstanding WR's transfer completes with an error (conservatively also WRs before the
// failing one whose success was never confirmed by a signalled CQE); later posts are refused. A
// dead node is noticed through the RC retransmission limits set at connect (ACK timeout exponent
// kAckTimeout, i.e. 4.096 us * 2^16 = 268 ms, times kRetryCount + 1 tries: about a second) or
// through the cm DISCONNECTED event the node's kernel sends when its process dies. As a last
// resort, a post() waiting for room in a full queue and close() waiting for pending transfers give
// up after options.io_timeout_ms without a completion and break the transport.
//
// fork: rdma::init_fork_support() calls ibv_fork_init() only when the kernel needs it
// (IBV_FORK_DISABLED, kernels before 5.13); on newer kernels ibv_is_fork_initialized() reports
// IBV_FORK_UNNEEDED and registered pages stay valid in the parent across fork. A forked child must
// not use its parent's transport: (a) it connects anew (its own rdma_cm ids, PD, CQ, MRs), or
// (b) the parent registers a MAP_SHARED buffer, the child fills it and the parent posts. With
// ibv_fork_init active, ibv_reg_mr marks the range MADV_DONTFORK, so the child would not see a
// MAP_SHARED buffer at all: register_buffer() undoes it with MADV_DOFORK for shared mappings
// (their pages are never copied on fork, so the parent's registration stays what the NIC reads).
// close() or the destructor run by a forked child on its copy of the parent's transport (exit()
// running destructors, say) touches none of the parent's verbs objects: it forgets them, and
// close() says so (kFailedPrecondition), as shm and tcp do.
//
// Bookkeeping: the registered buffers, post()'s argument checks and the transfers in flight are
// striping.h's, shared with shm and tcp; a buffer's memory registration hangs off its entry.
#include "transport/verbs_transport.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/errno_text.h"
#include "base/token.h"
#include "transport/rdma_util.h"
#include "transport/striping.h"

namespace rpbench::transport {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kAckTimeout = 16;  // 4.096 us * 2^16 = 268 ms per try
constexpr uint8_t kRetryCount = 3;
constexpr uint8_t kRnrRetryCount = 7;  // 7: retry for ever (we post no receives the node could need)
constexpr unsigned kQpShift = 56;      // wr_id = channel << 56 | per-QP sequence number
// max_inline -1: the inline sizes asked for, largest first, until the device accepts one.
constexpr std::array<uint32_t, 6> kInlineTries = {1024, 512, 256, 128, 64, 0};

// Is [addr, addr + len) inside one MAP_SHARED mapping of this process?
bool is_shared_mapping(const void* addr, size_t len) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  auto a = reinterpret_cast<uintptr_t>(addr);
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    auto dash = range.find('-');
    if (dash == std::string::npos || perms.size() < 4) continue;
    uintptr_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    uintptr_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (a >= lo && a + len <= hi) return perms[3] == 's';
  }
  return false;
}

// ibv_fork_init made a registered range MADV_DONTFORK; a MAP_SHARED buffer must stay visible in a
// forked child (fork mode b), and its pages are shared, never copied, so undo it.
void keep_shared_buffer_across_fork(void* addr, size_t len) {
  if (!rdma::fork_init_active() || !is_shared_mapping(addr, len)) return;
  auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  auto lo = reinterpret_cast<uintptr_t>(addr) & ~(page - 1);
  auto hi = (reinterpret_cast<uintptr_t>(addr) + len + page - 1) & ~(page - 1);
  madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DOFORK);
}

// Milliseconds to `deadline` for an rdma_cm call's timeout, at least 1.
int ms_until(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(ms, 1));
}

// A buffer's memory registration, kept on its entry in the shared buffer table.
struct Registration final : detail::BufferExtension {
  rdma::Mr mr;
  void abandon() override { (void)mr.release(); }
};

struct WorkRequest {  // one posted chunk, in posting order per QP
  uint64_t seq;
  detail::TransferTable::Id xfer;
  Op op = Op::kWrite;  // a failed completion's opcode is undefined (ibv_poll_cq(3)): remember it here
};

struct Channel {
  rdma::CmId id;  // declared before qp: the QP is destroyed first
  rdma::Qp qp;
  std::deque<WorkRequest> outstanding;
  uint64_t next_seq = 0;
  int since_signal = 0;
  bool connected = false;  // rdma_establish succeeded: there is a connection to disconnect
  bool stopped = false;    // QP moved to the error state and disconnected (done once)
};

// One chunk of a transfer as posted: where its bytes are locally and in the region.
struct ChunkWr {
  detail::TransferTable::Id xfer;
  Op op;
  uint8_t* local;
  uint32_t lkey;
  uint32_t len;
  uint64_t remote_off;
  bool last_on_qp;  // the transfer's last chunk on this QP: always signalled
};

class VerbsTransport final : public Transport {
 public:
  VerbsTransport(const TransportOptions& o, std::string endpoint)
      : opt_(o), endpoint_(std::move(endpoint)), owner_pid_(::getpid()) {}

  ~VerbsTransport() override {
    if (forked_copy()) {
      abandon();
      return;
    }
    // Stop the QPs before the buffers' registrations go (no DMA into freed memory after this).
    for (auto& c : channels_) stop_channel(c);
    channels_.clear();
    transfers_.clear();
    buffers_.clear();
  }

  // Opens the cm event channel and connects every channel (connect_verbs()).
  Status connect(const sockaddr_storage& dst);

  std::string_view name() const override { return "verbs"; }
  std::string describe() const override {
    return "verbs " + endpoint_ + " device " + device_ + " port " + std::to_string(port_) + " channels " +
           std::to_string(opt_.channels) + " queue_depth " + std::to_string(opt_.queue_depth) + " chunk_bytes " +
           std::to_string(opt_.chunk_bytes) + " signal_every " + std::to_string(opt_.verbs.signal_every) +
           " max_inline " + std::to_string(max_inline_) + " fork_init " + (rdma::fork_init_active() ? "on" : "off");
  }
  uint64_t region_bytes() const override { return region_bytes_; }
  int channels() const override { return static_cast<int>(opt_.channels); }

  Status register_buffer(void* addr, size_t len, BufferId* id) override;
  Status deregister_buffer(BufferId id) override { return buffers_.remove(id); }
  Status post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) override;
  size_t poll(std::span<Completion> out) override;
  size_t wait(std::span<Completion> out, std::chrono::milliseconds timeout) override;
  size_t pending() const override { return transfers_.pending(); }
  Status close() override;

 private:
  // Connecting one channel, step by step (connect_channel() runs them in order).
  Status connect_channel(Channel& c, const sockaddr_storage& dst, Clock::time_point deadline);
  Status resolve_address(Channel& c, const sockaddr_storage& dst, Clock::time_point deadline);
  Status check_device_and_port(const rdma_cm_id& id) const;
  Status resolve_route(Channel& c, Clock::time_point deadline);
  Status check_gid(const rdma_cm_id& id) const;
  Status open_device(const rdma_cm_id& id);  // the first channel: context, PD, CQ; later ones: same device
  Status create_qp(Channel& c);
  Status establish(Channel& c, Clock::time_point deadline);  // rdma_connect with the hello, RTR, RTS
  Status take_region(const rdma::CmEvent& accepted);         // the region the node's accept describes
  StatusOr<rdma::CmEvent> expect_event(rdma_cm_event_type want, Clock::time_point deadline, const char* step);
  Status modify_qp(Channel& c, ibv_qp_state state, const char* step);

  static void stop_channel(Channel& c);  // QP -> error (no more DMA), then a DREQ to the node
  // A forked child runs on a copy of this object whose ids, QPs, MRs, CQ, PD, context and event
  // channel are the parent's: destroying or disconnecting them from the child could tear down
  // the parent's connection, so the copy forgets them without touching them.
  bool forked_copy() const { return ::getpid() != owner_pid_; }
  void abandon();
  // Waits until channel c has room for a work request; breaks the transport after
  // options.io_timeout_ms without a completion.
  void wait_for_room(Channel& c);
  Status post_chunk(size_t ch, const ChunkWr& w);  // ibv_post_send of one chunk on channel ch
  void progress();                                 // non-blocking: cm events and the CQ
  void block_until(Clock::time_point deadline);    // sleeps until a CQ or cm event, or the deadline
  void complete_chunk(const WorkRequest& wr, const std::string& error);
  void fail_chunks(detail::TransferTable::Id xfer, uint64_t chunks, const std::string& error);
  void break_transport(const std::string& reason);

  TransportOptions opt_;
  std::string endpoint_;
  pid_t owner_pid_;  // the process that connected: the only one that may touch the verbs objects
  std::string device_ = "?";
  int port_ = 0;
  uint64_t region_bytes_ = 0;
  uint64_t remote_addr_ = 0;
  uint32_t rkey_ = 0;
  uint32_t max_inline_ = 0;
  uint8_t initiator_depth_ = 1;
  bool closed_ = false;
  std::string broken_;   // why the transport is broken; empty while healthy
  uint64_t events_ = 0;  // CQEs and cm events seen (block_until sleeps only when none arrived)

  // Declaration order is destruction order reversed: QPs and ids, then MRs (with the buffer
  // table's entries), CQ, PD, the verbs context, the cm event channel.
  rdma::EventChannel cm_channel_;
  rdma::Context ctx_;
  rdma::Pd pd_;
  rdma::CompChannel comp_;
  rdma::Cq cq_;
  detail::BufferTable buffers_;
  detail::TransferTable transfers_{buffers_};
  std::vector<Channel> channels_;
  size_t next_channel_ = 0;
};

StatusOr<rdma::CmEvent> VerbsTransport::expect_event(rdma_cm_event_type want, Clock::time_point deadline,
                                                     const char* step) {
  auto ev = rdma::next_event(cm_channel_.get(), deadline);
  if (!ev)
    return Status::Timeout("verbs transport: no answer from the memory node at " + endpoint_ + " within " +
                           std::to_string(opt_.connect_timeout_ms) + " ms (" + step + ")");
  if (ev->type == want) return *ev;
  if (ev->type == RDMA_CM_EVENT_REJECTED) {
    auto a = rdma::decode_accept(std::span<const uint8_t>(ev->private_data, ev->private_data_len));
    if (a)
      return Status::FromCode(protocol::refusal_code(a->code),
                              "verbs transport: the memory node at " + endpoint_ +
                                  " refused the connection: " + std::string(protocol::code_name(a->code)));
    return Status::Unavailable("verbs transport: connection to " + endpoint_ +
                               " rejected (nothing listening at that address and port? cm status " +
                               std::to_string(ev->status) + ")");
  }
  if (ev->type == RDMA_CM_EVENT_ADDR_ERROR || ev->type == RDMA_CM_EVENT_ROUTE_ERROR)
    return Status::Unavailable(rdma::no_device_message(
        endpoint_, std::string(step) + " failed: " + rdma_event_str(ev->type) + " (" + errno_text(-ev->status) + ")"));
  return Status::Unavailable("verbs transport: memory node at " + endpoint_ + " unreachable: " + step + " got " +
                             rdma_event_str(ev->type) + " (status " + std::to_string(ev->status) + ")");
}

void VerbsTransport::stop_channel(Channel& c) {
  if (c.stopped) return;  // every later flush completion would do it again otherwise
  c.stopped = true;
  if (c.qp) {
    // QP -> error: the device stops processing its work requests. Should that fail, destroying
    // the QP (before any buffer's registration goes: see the destructor) stops them all the same.
    ibv_qp_attr attr{};
    attr.qp_state = IBV_QPS_ERR;
    ibv_modify_qp(c.qp.get(), &attr, IBV_QP_STATE);
  }
  if (c.id && c.connected) rdma_disconnect(c.id.get());  // an id that never connected has nothing to end
}

void VerbsTransport::abandon() {
  for (auto& c : channels_) {
    (void)c.qp.release();
    (void)c.id.release();
  }
  channels_.clear();
  transfers_.clear();
  buffers_.abandon();
  (void)cq_.release();
  (void)comp_.release();
  (void)pd_.release();
  (void)ctx_.release();
  (void)cm_channel_.release();
}

Status VerbsTransport::modify_qp(Channel& c, ibv_qp_state state, const char* step) {
  ibv_qp_attr attr{};
  int mask = 0;
  attr.qp_state = state;
  if (rdma_init_qp_attr(c.id.get(), &attr, &mask) != 0)
    return errno_status("verbs transport: rdma_init_qp_attr(" + std::string(step) + ") for " + endpoint_);
  if (int err = ibv_modify_qp(c.qp.get(), &attr, mask); err != 0)
    return errno_status("verbs transport: QP to " + std::string(step) + " for " + endpoint_, err);
  return Status::Ok();
}

// One channel: an rdma_cm id resolved to the node's address and route (and checked against
// options.verbs), the device's resources (opened by the first channel), a QP, the connection.
Status VerbsTransport::connect_channel(Channel& c, const sockaddr_storage& dst, Clock::time_point deadline) {
  if (Status s = resolve_address(c, dst, deadline); !s.ok()) return s;
  if (Status s = check_device_and_port(*c.id); !s.ok()) return s;
  if (Status s = resolve_route(c, deadline); !s.ok()) return s;
  if (Status s = check_gid(*c.id); !s.ok()) return s;
  if (Status s = open_device(*c.id); !s.ok()) return s;
  if (Status s = create_qp(c); !s.ok()) return s;
  return establish(c, deadline);
}

Status VerbsTransport::resolve_address(Channel& c, const sockaddr_storage& dst, Clock::time_point deadline) {
  rdma_cm_id* raw = nullptr;
  if (rdma_create_id(cm_channel_.get(), &raw, nullptr, RDMA_PS_TCP) != 0)
    return Status::FailedPrecondition(rdma::no_device_message(endpoint_, "rdma_create_id: " + errno_text()));
  c.id.reset(raw);
  sockaddr_storage d = dst;
  if (rdma_resolve_addr(raw, nullptr, reinterpret_cast<sockaddr*>(&d), ms_until(deadline)) != 0)
    return Status::Unavailable(rdma::no_device_message(endpoint_, "rdma_resolve_addr: " + errno_text()));
  return expect_event(RDMA_CM_EVENT_ADDR_RESOLVED, deadline, "address resolution").status();
}

// Device and port are what rdma_cm bound the address to; options.verbs only checks them.
Status VerbsTransport::check_device_and_port(const rdma_cm_id& id) const {
  const std::string dev = ibv_get_device_name(id.verbs->device);
  if (!opt_.verbs.device.empty() && opt_.verbs.device != dev)
    return Status::InvalidArgument("verbs transport: transport.verbs.device is '" + opt_.verbs.device +
                                   "' but rdma_cm resolves " + endpoint_ + " to device '" + dev +
                                   "' (devices: " + rdma::device_names() + ")");
  if (opt_.verbs.port > 0 && opt_.verbs.port != id.port_num)
    return Status::InvalidArgument("verbs transport: transport.verbs.port is " + std::to_string(opt_.verbs.port) +
                                   " but rdma_cm resolves " + endpoint_ + " to port " + std::to_string(id.port_num) +
                                   " of " + dev);
  return Status::Ok();
}

Status VerbsTransport::resolve_route(Channel& c, Clock::time_point deadline) {
  uint8_t timeout = kAckTimeout;
  if (rdma_set_option(c.id.get(), RDMA_OPTION_ID, RDMA_OPTION_ID_ACK_TIMEOUT, &timeout, sizeof(timeout)) != 0)
    return Status::IoError("verbs transport: rdma_set_option(ACK_TIMEOUT) for " + endpoint_ + ": " + errno_text() +
                           " (without it a dead node's timeout is the path's)");
  if (rdma_resolve_route(c.id.get(), ms_until(deadline)) != 0)
    return Status::Unavailable(rdma::no_device_message(endpoint_, "rdma_resolve_route: " + errno_text()));
  return expect_event(RDMA_CM_EVENT_ROUTE_RESOLVED, deadline, "route resolution").status();
}

// gid_index: rdma_cm takes the GID from the address; it cannot be forced, only checked.
Status VerbsTransport::check_gid(const rdma_cm_id& id) const {
  if (opt_.verbs.gid_index < 0) return Status::Ok();
  ibv_gid gid{};
  if (ibv_query_gid(id.verbs, id.port_num, opt_.verbs.gid_index, &gid) != 0 ||
      std::memcmp(gid.raw, id.route.addr.addr.ibaddr.sgid.raw, sizeof(gid.raw)) != 0)
    return Status::InvalidArgument("verbs transport: transport.verbs.gid_index " +
                                   std::to_string(opt_.verbs.gid_index) + " is not the GID rdma_cm uses for " +
                                   endpoint_ + " on " + ibv_get_device_name(id.verbs->device) +
                                   " (rdma_cm picks the GID of the local address; leave gid_index at -1)");
  return Status::Ok();
}

// Our own verbs context, opened by this process, rather than librdmacm's cached one: a forked
// child inherits librdmacm's contexts with the parent's file (and credentials), and the kernel
// refuses the write()-based verbs commands (rxe's send doorbell) on it with EACCES. So PD, CQ, QPs
// and MRs live on ctx_, and the QPs are driven through their states by hand (establish()).
Status VerbsTransport::open_device(const rdma_cm_id& id) {
  const std::string dev = ibv_get_device_name(id.verbs->device);
  if (ctx_) {
    if (dev != device_)
      return Status::FailedPrecondition("verbs transport: channels to " + endpoint_ + " resolved to different devices");
    return Status::Ok();
  }
  device_ = dev;
  port_ = id.port_num;
  ctx_.reset(ibv_open_device(id.verbs->device));
  if (!ctx_) return errno_status("verbs transport: ibv_open_device(" + dev + ")");
  pd_.reset(ibv_alloc_pd(ctx_.get()));
  if (!pd_) return errno_status("verbs transport: ibv_alloc_pd on " + dev);
  comp_.reset(ibv_create_comp_channel(ctx_.get()));
  if (!comp_) return errno_status("verbs transport: ibv_create_comp_channel");
  if (Status s = rdma::set_nonblocking(comp_->fd); !s.ok()) return s;
  const int cqe = opt_.channels * (opt_.queue_depth + 1);
  cq_.reset(ibv_create_cq(ctx_.get(), cqe, nullptr, comp_.get(), 0));
  if (!cq_) return errno_status("verbs transport: ibv_create_cq(" + std::to_string(cqe) + ")");
  ibv_device_attr attr{};
  if (ibv_query_device(ctx_.get(), &attr) == 0)
    initiator_depth_ = static_cast<uint8_t>(std::clamp(attr.max_qp_init_rd_atom, 1, 16));
  return Status::Ok();
}

// The QP, in INIT: max_inline -1 asks for the largest inline size the device accepts.
Status VerbsTransport::create_qp(Channel& c) {
  std::vector<uint32_t> tries(kInlineTries.begin(), kInlineTries.end());
  if (opt_.verbs.max_inline >= 0) tries = {static_cast<uint32_t>(opt_.verbs.max_inline)};
  ibv_qp_init_attr qa{};
  int create_errno = 0;
  for (uint32_t want : tries) {
    qa = {};
    qa.send_cq = cq_.get();
    qa.recv_cq = cq_.get();
    qa.qp_type = IBV_QPT_RC;
    qa.sq_sig_all = 0;
    qa.cap.max_send_wr = static_cast<uint32_t>(opt_.queue_depth);
    qa.cap.max_recv_wr = 1;
    qa.cap.max_send_sge = 1;
    qa.cap.max_recv_sge = 1;
    qa.cap.max_inline_data = want;
    c.qp.reset(ibv_create_qp(pd_.get(), &qa));
    if (c.qp) break;
    create_errno = errno;
    if (create_errno != EINVAL) break;  // only an unsupported inline size is worth a smaller try
  }
  if (!c.qp)
    return errno_status("verbs transport: ibv_create_qp on " + device_ + " (queue_depth " +
                            std::to_string(opt_.queue_depth) + ", max_inline " + std::to_string(opt_.verbs.max_inline) +
                            ")",
                        create_errno);
  // Inline writes go to any channel: the smallest inline size any of the QPs got.
  const uint32_t got_inline = opt_.verbs.max_inline == 0 ? 0 : qa.cap.max_inline_data;
  max_inline_ = &c == &channels_.front() ? got_inline : std::min(max_inline_, got_inline);
  return modify_qp(c, IBV_QPS_INIT, "INIT");
}

// rdma_connect with the hello as private data, the node's accept (the region), then our QP to
// RTR and RTS (ACK timeout and retry count from the options set at resolve_route()).
Status VerbsTransport::establish(Channel& c, Clock::time_point deadline) {
  const StatusOr<protocol::Hello> made = protocol::make_hello(opt_.region, opt_.token);
  if (!made.ok()) return made.status().with_context("verbs transport: ");
  const protocol::Hello& hello = *made;
  std::array<uint8_t, protocol::kHelloBytes> hb{};
  protocol::encode(hello, hb);
  rdma_conn_param param{};
  param.private_data = hb.data();
  param.private_data_len = static_cast<uint8_t>(hb.size());
  param.initiator_depth = initiator_depth_;  // RDMA READs in flight per QP
  param.responder_resources = 0;             // nobody reads from us
  param.retry_count = kRetryCount;
  param.rnr_retry_count = kRnrRetryCount;
  param.qp_num = c.qp->qp_num;  // our own QP: rdma_cm reports CONNECT_RESPONSE and we finish the job
  if (rdma_connect(c.id.get(), &param) != 0)
    return Status::Unavailable("verbs transport: rdma_connect to " + endpoint_ + ": " + errno_text());
  StatusOr<rdma::CmEvent> ev = expect_event(RDMA_CM_EVENT_CONNECT_RESPONSE, deadline, "connect");
  if (!ev.ok()) return ev.status();
  if (Status s = take_region(*ev); !s.ok()) return s;
  if (Status s = modify_qp(c, IBV_QPS_RTR, "RTR"); !s.ok()) return s;
  if (Status s = modify_qp(c, IBV_QPS_RTS, "RTS"); !s.ok()) return s;
  if (rdma_establish(c.id.get()) != 0)
    return Status::Unavailable("verbs transport: rdma_establish with " + endpoint_ + ": " + errno_text());
  c.connected = true;
  return Status::Ok();
}

Status VerbsTransport::take_region(const rdma::CmEvent& accepted) {
  auto a = rdma::decode_accept(std::span<const uint8_t>(accepted.private_data, accepted.private_data_len));
  if (!a || a->code != protocol::Code::kOk || a->version != protocol::kVersion)
    return Status::FailedPrecondition("verbs transport: " + endpoint_ +
                                      " accepted with a malformed handshake (not an rpbench memory node?)");
  if (region_bytes_ == 0) {
    region_bytes_ = a->region_bytes;
    remote_addr_ = a->addr;
    rkey_ = a->rkey;
  } else if (region_bytes_ != a->region_bytes || remote_addr_ != a->addr || rkey_ != a->rkey) {
    return Status::FailedPrecondition("verbs transport: " + endpoint_ +
                                      " described the region differently on two channels");
  }
  return Status::Ok();
}

Status VerbsTransport::connect(const sockaddr_storage& dst) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(opt_.connect_timeout_ms);
  cm_channel_.reset(rdma_create_event_channel());
  if (!cm_channel_)
    return Status::FailedPrecondition(rdma::no_device_message(endpoint_, "rdma_create_event_channel: " + errno_text()));
  if (Status s = rdma::set_nonblocking(cm_channel_->fd); !s.ok()) return s;
  channels_.resize(static_cast<size_t>(opt_.channels));
  for (auto& c : channels_) {
    if (Status s = connect_channel(c, dst, deadline); !s.ok()) return s;
  }
  return Status::Ok();
}

Status VerbsTransport::register_buffer(void* addr, size_t len, BufferId* id) {
  if (closed_) return Status::FailedPrecondition("register_buffer: the transport is closed");
  if (Status s = detail::BufferTable::check(addr, len, id); !s.ok()) return s;
  auto reg = std::make_unique<Registration>();
  // An int, as ibv_reg_mr takes it: its macro form ANDs the flags with an enumerator of another
  // enum, which clang warns about for an enumerator argument (-Wdeprecated-enum-enum-conversion).
  constexpr int kAccess = IBV_ACCESS_LOCAL_WRITE;
  reg->mr.reset(ibv_reg_mr(pd_.get(), addr, len, kAccess));
  if (!reg->mr)
    return Status::IoError("ibv_reg_mr of " + std::to_string(len) + " bytes: " + errno_text() +
                           " (locked-memory limit, ulimit -l?)");
  keep_shared_buffer_across_fork(addr, len);
  return buffers_.add(addr, len, id, std::move(reg));
}

void VerbsTransport::complete_chunk(const WorkRequest& wr, const std::string& error) {
  transfers_.chunk_done(wr.xfer, error.empty() ? Status::Ok() : Status::Unavailable(error));
}

void VerbsTransport::fail_chunks(detail::TransferTable::Id xfer, uint64_t chunks, const std::string& error) {
  for (uint64_t i = 0; i < chunks; ++i) transfers_.chunk_done(xfer, Status::Unavailable(error));
}

void VerbsTransport::break_transport(const std::string& reason) {
  if (broken_.empty()) broken_ = reason;
  for (auto& c : channels_) {
    stop_channel(c);  // QP -> error: no more DMA from or into our buffers
    while (!c.outstanding.empty()) {
      WorkRequest wr = c.outstanding.front();
      c.outstanding.pop_front();
      complete_chunk(wr, "verbs transport to " + endpoint_ + " failed: " + broken_);
    }
  }
}

void VerbsTransport::progress() {
  // cm events: the node going away shows here first when its kernel tears the connection down.
  while (auto ev = rdma::next_event(cm_channel_.get(), Clock::now())) {
    ++events_;
    if (ev->type == RDMA_CM_EVENT_DISCONNECTED || ev->type == RDMA_CM_EVENT_DEVICE_REMOVAL ||
        ev->type == RDMA_CM_EVENT_CONNECT_ERROR || ev->type == RDMA_CM_EVENT_UNREACHABLE) {
      if (!closed_) break_transport(std::string("the memory node disconnected (") + rdma_event_str(ev->type) + ")");
    }
  }
  std::array<ibv_wc, 32> wcs;
  for (;;) {
    int n = ibv_poll_cq(cq_.get(), static_cast<int>(wcs.size()), wcs.data());
    if (n < 0) {
      break_transport("ibv_poll_cq failed");
      return;
    }
    events_ += static_cast<uint64_t>(n);
    for (int i = 0; i < n; ++i) {
      const ibv_wc& wc = wcs[static_cast<size_t>(i)];
      size_t ch = static_cast<size_t>(wc.wr_id >> kQpShift);
      uint64_t seq = wc.wr_id & ((uint64_t{1} << kQpShift) - 1);
      if (ch >= channels_.size()) continue;
      if (wc.status != IBV_WC_SUCCESS) {
        // The failed WR's own opcode, from our records (wc.opcode is undefined on an error).
        const auto& out = channels_[ch].outstanding;
        auto it = std::find_if(out.begin(), out.end(), [seq](const WorkRequest& w) { return w.seq == seq; });
        const std::string what = it == out.end() ? "work request" : it->op == Op::kRead ? "RDMA READ" : "RDMA WRITE";
        break_transport(what + " on channel " + std::to_string(ch) + ": " + ibv_wc_status_str(wc.status) +
                        " (vendor error " + std::to_string(wc.vendor_err) + ")");
        continue;
      }
      // A signalled success: this WR and every earlier one on the QP are done.
      auto& out = channels_[ch].outstanding;
      while (!out.empty() && out.front().seq <= seq) {
        WorkRequest wr = out.front();
        out.pop_front();
        complete_chunk(wr, {});
      }
    }
    if (n < static_cast<int>(wcs.size())) return;
  }
}

void VerbsTransport::block_until(Clock::time_point deadline) {
  if (ibv_req_notify_cq(cq_.get(), 0) != 0) return;
  // Something that arrived before the notification was armed: do not sleep on it.
  uint64_t seen = events_;
  progress();
  if (events_ != seen || transfers_.ready() > 0) return;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return;
  std::array<pollfd, 2> fds{{{comp_->fd, POLLIN, 0}, {cm_channel_->fd, POLLIN, 0}}};
  ::poll(fds.data(), fds.size(), static_cast<int>(std::min<int64_t>(left + 1, 1000)));
  if (fds[0].revents & POLLIN) {
    ibv_cq* ev_cq = nullptr;
    void* ctx = nullptr;
    if (ibv_get_cq_event(comp_.get(), &ev_cq, &ctx) == 0) ibv_ack_cq_events(ev_cq, 1);
  }
}

// A full queue: wait for room, but not forever (a node that neither answers nor disconnects,
// should the RC retry limits not fire).
void VerbsTransport::wait_for_room(Channel& c) {
  const auto depth = static_cast<size_t>(opt_.queue_depth);
  const Clock::time_point give_up = Clock::now() + std::chrono::milliseconds(opt_.io_timeout_ms);
  while (broken_.empty() && c.outstanding.size() >= depth) {
    progress();
    if (c.outstanding.size() < depth) return;
    if (Clock::now() >= give_up) {
      break_transport("no completion for " + std::to_string(opt_.io_timeout_ms) +
                      " ms with the queue full (transport io_timeout_ms)");
      return;
    }
    block_until(std::min(give_up, Clock::now() + std::chrono::seconds(1)));
  }
}

// Selective signalling (see the top of this file): the transfer's last WR on this QP, every
// signal_every-th WR, and the WR that fills the queue are signalled.
Status VerbsTransport::post_chunk(size_t ch, const ChunkWr& w) {
  Channel& c = channels_[ch];
  const bool signal = w.last_on_qp || c.since_signal + 1 >= opt_.verbs.signal_every ||
                      c.outstanding.size() + 1 >= static_cast<size_t>(opt_.queue_depth);
  ibv_sge sge{};
  sge.addr = reinterpret_cast<uint64_t>(w.local);
  sge.length = w.len;
  sge.lkey = w.lkey;
  ibv_send_wr wr{};
  const uint64_t seq = c.next_seq++;
  wr.wr_id = (static_cast<uint64_t>(ch) << kQpShift) | seq;
  wr.sg_list = &sge;
  wr.num_sge = 1;
  wr.opcode = w.op == Op::kWrite ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ;
  wr.send_flags = signal ? IBV_SEND_SIGNALED : 0;
  if (w.op == Op::kWrite && w.len <= max_inline_) wr.send_flags |= IBV_SEND_INLINE;
  wr.wr.rdma.remote_addr = remote_addr_ + w.remote_off;
  wr.wr.rdma.rkey = rkey_;
  ibv_send_wr* bad = nullptr;
  if (int err = ibv_post_send(c.qp.get(), &wr, &bad); err != 0)
    return Status::IoError("ibv_post_send: " + errno_text(err));
  c.outstanding.push_back(WorkRequest{seq, w.xfer, w.op});
  c.since_signal = signal ? 0 : c.since_signal + 1;
  return Status::Ok();
}

Status VerbsTransport::post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  if (closed_) return Status::FailedPrecondition("post: the transport is closed");
  if (!broken_.empty()) return Status::Unavailable("verbs transport to " + endpoint_ + " is broken: " + broken_);
  if (Status s = detail::check_post(buffers_, op, buf, local_off, len, remote_off, region_bytes_); !s.ok()) return s;
  const detail::LocalBuffer& b = *buffers_.find(buf);
  const uint32_t lkey = static_cast<const Registration&>(*b.extension).mr->lkey;
  const uint64_t chunk = opt_.chunk_bytes;
  const uint64_t nchunks = detail::chunk_count(len, chunk);
  const detail::TransferTable::Id xid = transfers_.begin(tag, len, buf, nchunks);
  for (uint64_t i = 0; i < nchunks; ++i) {
    const size_t ch = next_channel_;
    next_channel_ = (next_channel_ + 1) % channels_.size();
    wait_for_room(channels_[ch]);
    if (!broken_.empty()) {
      // The rest of this transfer is never posted: its chunks fail now.
      fail_chunks(xid, nchunks - i, "verbs transport to " + endpoint_ + " failed: " + broken_);
      return Status::Ok();
    }
    const uint64_t off = i * chunk;
    ChunkWr w{xid,
              op,
              b.addr + local_off + off,
              lkey,
              static_cast<uint32_t>(std::min(chunk, len - off)),
              remote_off + off,
              /*last_on_qp=*/i + channels_.size() >= nchunks};  // chunk i + C would go to the same QP
    if (Status s = post_chunk(ch, w); !s.ok()) {
      fail_chunks(xid, nchunks - i, s.message());
      break_transport(s.message());
      return Status::Ok();
    }
  }
  return Status::Ok();
}

size_t VerbsTransport::poll(std::span<Completion> out) {
  if (!closed_) progress();
  return transfers_.take(out);
}

size_t VerbsTransport::wait(std::span<Completion> out, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  if (!closed_)
    detail::progress_until(
        deadline, [this] { progress(); }, [this](Clock::time_point d) { block_until(d); },
        [this] { return transfers_.ready() > 0 || transfers_.active() == 0; });
  return transfers_.take(out);
}

Status VerbsTransport::close() {
  if (closed_) return Status::Ok();
  if (forked_copy()) {
    closed_ = true;
    abandon();
    return Status::FailedPrecondition(
        "close() of a verbs transport in a forked child: its queue pairs belong to the parent");
  }
  std::array<Completion, 64> drop;
  // Pending transfers finish, fail, or are failed here after io_timeout_ms without a completion.
  Clock::time_point give_up = Clock::now() + std::chrono::milliseconds(opt_.io_timeout_ms);
  while (pending() > 0) {
    if (wait(drop, std::chrono::milliseconds(1000)) > 0) {
      give_up = Clock::now() + std::chrono::milliseconds(opt_.io_timeout_ms);
    } else if (Clock::now() >= give_up) {
      break_transport("close: no completion for " + std::to_string(opt_.io_timeout_ms) +
                      " ms (transport io_timeout_ms)");
      while (poll(drop) > 0) {}
      break;
    }
  }
  std::string was_broken = broken_;
  closed_ = true;
  for (auto& c : channels_) stop_channel(c);
  channels_.clear();
  transfers_.clear();
  buffers_.clear();
  if (!was_broken.empty()) return Status::Unavailable("verbs transport to " + endpoint_ + " had failed: " + was_broken);
  return Status::Ok();
}

// Verbs' own options; the shared ones are check_options()'s (options.h).
Status check_verbs_options(const VerbsOptions& v) {
  if (v.signal_every < 1 || v.signal_every > kMaxSignalEvery)
    return Status::InvalidArgument("transport.verbs.signal_every must be in [1, " + std::to_string(kMaxSignalEvery) +
                                   "], got " + std::to_string(v.signal_every));
  if (v.max_inline < -1 || v.max_inline > kMaxInlineBytes)
    return Status::InvalidArgument("transport.verbs.max_inline must be in [-1, " + std::to_string(kMaxInlineBytes) +
                                   "], got " + std::to_string(v.max_inline));
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Transport>> connect_verbs(const TransportOptions& options, const std::string& endpoint) {
  if (Status s = check_options(options); !s.ok()) return s;
  if (Status s = check_verbs_options(options.verbs); !s.ok()) return s;
  TransportOptions o = options;
  StatusOr<std::string> token = resolve_token(o.token);
  if (!token.ok()) return token.status().with_context("verbs transport to " + endpoint + ": ");
  o.token = *token;
  rdma::init_fork_support();
  StatusOr<sockaddr_storage> dst = rdma::parse_endpoint(endpoint);
  if (!dst.ok()) return dst.status();
  if (rdma::device_count() == 0)
    return Status::FailedPrecondition(rdma::no_device_message(endpoint, "no RDMA device found"));
  auto t = std::make_unique<VerbsTransport>(o, endpoint);
  if (Status s = t->connect(*dst); !s.ok()) return s;
  return std::unique_ptr<Transport>(std::move(t));
}

TransportEntry verbs_transport_entry() {
  return {"verbs", "RDMA (rdma-core): one-sided RDMA WRITE/READ over RC queue pairs", NodeListener::kRdmaCm,
          connect_verbs};
}

}  // namespace rpbench::transport
