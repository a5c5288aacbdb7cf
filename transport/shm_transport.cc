// The shm transport: the node's region mapped into this process. connect_shm() opens the node's
// unix socket, says Hello with kFlagShm, receives the region's memfd (SCM_RIGHTS) and maps it
// MAP_SHARED; the connection then stays open only so each side learns when the other goes away.
//
// Copies happen at post(), in the caller's thread: one memcpy per transfer between the registered
// buffer and the mapping. So channels add no parallelism here (one copying thread); they only
// split the queue depth, as on the other transports. A transfer's chunks are then outstanding until
// their completion time: at once, or with a link model (options.link) the modelled time, per
// chunk, start = max(post time, link free), link free = start + len / bandwidth, done = link free +
// latency (the bandwidth is shared by all channels; the latency is pipelined, as on a NIC; the
// post time is taken before the copy, so the modelled wire works while we copy). A completion is
// never visible before its modelled time: lower bounds hold, and a slow copy only adds to them.
//
// Liveness: before progress retires chunks as ok (once per poll() / wait() call, and in post() when
// a channel is full) it checks with a zero-timeout poll() that the node has not closed the unix
// connection. If it has, every pending and later transfer fails with "the memory node at
// unix:... went away": the copies may have landed in pages nobody else holds any more.
//
// fork: the mapping is MAP_SHARED and the socket close-on-exec and never shut down, so a forked
// child that exits (it must not use this transport) leaves the parent's transport intact.
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/errno_text.h"
#include "base/sizes.h"
#include "base/token.h"
#include "base/unique_fd.h"
#include "transport/protocol.h"
#include "transport/socket_transports.h"
#include "transport/socket_util.h"
#include "transport/striping.h"

namespace rpbench::transport {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kUnixPrefix = "unix:";
constexpr auto kCloseTimeout = std::chrono::seconds(60);

// The region's pages, mapped MAP_SHARED.
class Mapping {
 public:
  // Maps `bytes` of the region file `fd` the node at `endpoint` passed (checked to be that large).
  static StatusOr<std::unique_ptr<Mapping>> map(int fd, uint64_t bytes, const std::string& endpoint) {
    const std::string node = "memory node at " + endpoint;
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_status(node + ": fstat of the region");
    if (static_cast<uint64_t>(st.st_size) < bytes)
      return Status::FailedPrecondition(node + " passed a region file of " + std::to_string(st.st_size) +
                                        " bytes for a region of " + std::to_string(bytes));
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return errno_status(node + ": mmap of the " + std::to_string(bytes) + "-byte region");
    return std::unique_ptr<Mapping>(new Mapping(static_cast<uint8_t*>(p), bytes));
  }
  ~Mapping() { ::munmap(data_, bytes_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  uint8_t* data() const { return data_; }

 private:
  Mapping(uint8_t* data, uint64_t bytes) : data_(data), bytes_(bytes) {}
  uint8_t* data_;
  uint64_t bytes_;
};

struct PendingChunk {
  detail::TransferTable::Id transfer = 0;
  size_t channel = 0;
  Clock::time_point done;
  Op op = Op::kWrite;  // the transfer's, for error messages
  uint64_t len = 0;
  uint64_t remote_off = 0;
};

std::string transfer_error(Op op, uint64_t len, uint64_t remote_off, const std::string& why) {
  return std::string(op_name(op)) + " of " + std::to_string(len) + " bytes at remote offset " +
         std::to_string(remote_off) + " failed: " + why;
}

class ShmTransport final : public Transport {
 public:
  ShmTransport(const TransportOptions& options, std::string endpoint)
      : options_(options), endpoint_(std::move(endpoint)), owner_pid_(::getpid()) {}
  ~ShmTransport() override { (void)close(); }

  // Opens the node's unix socket, says hello, receives and maps the region (connect_shm()).
  Status connect();

  std::string_view name() const override { return "shm"; }
  std::string describe() const override;
  uint64_t region_bytes() const override { return region_bytes_; }
  std::string node_facts() const override { return node_facts_; }
  int channels() const override { return static_cast<int>(outstanding_.size()); }

  Status register_buffer(void* addr, size_t len, BufferId* id) override;
  Status deregister_buffer(BufferId id) override { return buffers_.remove(id); }
  Status post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) override;
  size_t poll(std::span<Completion> out) override;
  size_t wait(std::span<Completion> out, std::chrono::milliseconds timeout) override;
  size_t pending() const override { return transfers_.pending(); }
  Status close() override;

 private:
  // Checks the node is still there, then retires every chunk whose time has come.
  void progress();
  bool node_alive();
  void fail_all(const std::string& reason);
  // Sleeps until the oldest chunk's completion time or `deadline`, waking early if the node goes away.
  void sleep_until(Clock::time_point deadline);

  TransportOptions options_;
  std::string endpoint_;
  pid_t owner_pid_;
  UniqueFd control_;  // the unix connection: open while the node holds the region for us
  uint64_t region_bytes_ = 0;
  std::string node_facts_;
  std::unique_ptr<Mapping> mapping_;
  std::vector<size_t> outstanding_;  // chunks per channel
  size_t next_channel_ = 0;
  std::deque<PendingChunk> chunks_;  // completion times never decrease along the queue
  Clock::time_point link_free_{};
  detail::BufferTable buffers_;
  detail::TransferTable transfers_{buffers_};
  bool closed_ = false;
  std::string broken_;
};

Status ShmTransport::connect() {
  if (endpoint_.compare(0, kUnixPrefix.size(), kUnixPrefix) != 0)
    return Status::InvalidArgument("cannot connect to memory node at " + endpoint_ +
                                   ": the shm transport needs a unix:PATH endpoint");
  StatusOr<std::string> token = resolve_token(options_.token);
  if (!token.ok()) return token.status().with_context("cannot connect to memory node at " + endpoint_ + ": ");
  const StatusOr<protocol::Hello> made = protocol::make_hello(options_.region, *token, protocol::kFlagShm);
  if (!made.ok()) return made.status().with_context("cannot connect to memory node at " + endpoint_ + ": ");
  const protocol::Hello& hello = *made;
  const detail::Deadline deadline{std::chrono::milliseconds(options_.connect_timeout_ms)};
  StatusOr<UniqueFd> fd = detail::connect_unix(endpoint_.substr(kUnixPrefix.size()), endpoint_, deadline);
  if (!fd.ok()) return fd.status();
  control_ = std::move(*fd);
  StatusOr<detail::HandshakeResult> r = detail::handshake(control_.get(), endpoint_, hello, deadline, true);
  if (!r.ok()) return r.status();
  region_bytes_ = r->region_bytes;
  node_facts_ = r->node_facts;
  StatusOr<std::unique_ptr<Mapping>> mapping = Mapping::map(r->memfd.get(), region_bytes_, endpoint_);
  if (!mapping.ok()) return mapping.status();
  mapping_ = std::move(*mapping);
  outstanding_.assign(static_cast<size_t>(options_.channels), 0);
  return Status::Ok();
}

std::string ShmTransport::describe() const {
  std::ostringstream s;
  s << "shm " << endpoint_ << ", region " << options_.region << " (" << format_size_exact(region_bytes_) << "), "
    << outstanding_.size() << (outstanding_.size() == 1 ? " channel" : " channels")
    << " (1 copying thread: channels add no parallelism), chunk " << format_size_exact(options_.chunk_bytes)
    << ", queue depth " << options_.queue_depth << ", ";
  if (!options_.link.active()) {
    s << "no link model";
  } else {
    s << "link model ";
    if (options_.link.bandwidth_gbps > 0)
      s << options_.link.bandwidth_gbps << " Gbit/s";
    else
      s << "unlimited bandwidth";
    s << " + " << options_.link.latency_us << " us";
  }
  return s.str();
}

Status ShmTransport::register_buffer(void* addr, size_t len, BufferId* id) {
  if (closed_) return Status::FailedPrecondition("register_buffer: the transport is closed");
  return buffers_.add(addr, len, id);
}

Status ShmTransport::post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  if (closed_) return Status::FailedPrecondition("post: the transport is closed");
  if (!broken_.empty()) return Status::Unavailable("post: " + broken_);
  if (Status s = detail::check_post(buffers_, op, buf, local_off, len, remote_off, region_bytes_); !s.ok()) return s;
  uint8_t* local = buffers_.find(buf)->addr + local_off;
  uint8_t* remote = mapping_->data() + remote_off;
  const Clock::time_point posted = Clock::now();  // the modelled link works while we copy
  if (op == Op::kWrite) {
    std::memcpy(remote, local, len);
  } else {
    std::memcpy(local, remote, len);
  }

  const uint64_t chunk = options_.chunk_bytes;
  const uint64_t n = detail::chunk_count(len, chunk);
  const auto depth = static_cast<size_t>(options_.queue_depth);
  const double bytes_per_ns = options_.link.bandwidth_gbps / 8.0;
  const auto latency = std::chrono::nanoseconds(static_cast<int64_t>(options_.link.latency_us * 1000.0));
  detail::TransferTable::Id id = transfers_.begin(tag, len, buf, n);
  for (uint64_t i = 0; i < n; ++i) {
    const size_t ch = next_channel_;
    next_channel_ = (next_channel_ + 1) % outstanding_.size();
    while (broken_.empty() && outstanding_[ch] >= depth) {
      progress();
      if (broken_.empty() && outstanding_[ch] >= depth) sleep_until(Clock::time_point::max());
    }
    if (!broken_.empty()) {
      transfers_.chunk_done(id, Status::Unavailable(transfer_error(op, len, remote_off, broken_)));
      continue;
    }
    const Clock::time_point now = i == 0 ? posted : Clock::now();
    Clock::time_point done = now;
    if (options_.link.active()) {
      const uint64_t clen = std::min(chunk, len - i * chunk);
      const Clock::time_point start = std::max(now, link_free_);
      auto wire = bytes_per_ns > 0 ? std::chrono::nanoseconds(static_cast<int64_t>(clen / bytes_per_ns))
                                   : std::chrono::nanoseconds(0);
      link_free_ = start + std::chrono::duration_cast<Clock::duration>(wire);
      done = link_free_ + std::chrono::duration_cast<Clock::duration>(latency);
    }
    // progress() retires from the front: completion times must never decrease along the queue.
    if (!chunks_.empty()) done = std::max(done, chunks_.back().done);
    chunks_.push_back(PendingChunk{id, ch, done, op, len, remote_off});
    ++outstanding_[ch];
  }
  return Status::Ok();
}

size_t ShmTransport::poll(std::span<Completion> out) {
  if (!closed_) progress();
  return transfers_.take(out);
}

size_t ShmTransport::wait(std::span<Completion> out, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  if (!closed_)
    detail::progress_until(
        deadline, [this] { progress(); }, [this](Clock::time_point d) { sleep_until(d); },
        [this] { return transfers_.ready() > 0 || transfers_.active() == 0; });
  return transfers_.take(out);
}

Status ShmTransport::close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (::getpid() != owner_pid_) {
    control_.reset();  // our copy only: the parent's connection stays open
    transfers_.clear();
    chunks_.clear();
    return Status::FailedPrecondition(
        "close() of an shm transport in a forked child: its connection belongs to the parent");
  }
  const Clock::time_point deadline = Clock::now() + kCloseTimeout;
  detail::progress_until(
      deadline, [this] { progress(); }, [this](Clock::time_point d) { sleep_until(d); },
      [this] { return transfers_.active() == 0; });
  const size_t left = transfers_.active();
  chunks_.clear();
  transfers_.clear();
  control_.reset();
  if (left != 0)
    return Status::Timeout("close: " + std::to_string(left) + " transfer(s) still pending after " +
                           std::to_string(kCloseTimeout.count()) + " s; dropped");
  return Status::Ok();
}

void ShmTransport::progress() {
  if (chunks_.empty() || !broken_.empty()) return;
  if (!node_alive()) return;
  const Clock::time_point now = Clock::now();
  while (!chunks_.empty() && chunks_.front().done <= now) {
    PendingChunk c = chunks_.front();
    chunks_.pop_front();
    --outstanding_[c.channel];
    transfers_.chunk_done(c.transfer, Status::Ok());
  }
}

bool ShmTransport::node_alive() {
  pollfd p{control_.get(), POLLIN | POLLRDHUP, 0};
  int r = ::poll(&p, 1, 0);
  if (r <= 0) return true;  // nothing happened (or EINTR: look again next time)
  char byte;
  ssize_t k = ::recv(control_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  std::string why = k == 0  ? "connection closed by the node"
                    : k > 0 ? "unexpected data on the control connection"
                            : errno_text(errno);
  fail_all("the memory node at " + endpoint_ + " went away (" + why + ")");
  return false;
}

void ShmTransport::fail_all(const std::string& reason) {
  if (broken_.empty()) broken_ = reason;
  std::deque<PendingChunk> failed;
  failed.swap(chunks_);
  std::fill(outstanding_.begin(), outstanding_.end(), 0);
  for (const PendingChunk& c : failed)
    transfers_.chunk_done(c.transfer, Status::Unavailable(transfer_error(c.op, c.len, c.remote_off, reason)));
}

void ShmTransport::sleep_until(Clock::time_point deadline) {
  Clock::time_point until = deadline;
  if (!chunks_.empty()) until = std::min(until, chunks_.front().done);
  timespec ts{};
  timespec* tsp = nullptr;
  if (until != Clock::time_point::max()) {
    auto left = std::max(until - Clock::now(), Clock::duration::zero());
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    tsp = &ts;
  }
  pollfd p{control_.get(), POLLIN | POLLRDHUP, 0};
  ::ppoll(&p, 1, tsp, nullptr);
}

}  // namespace

StatusOr<std::unique_ptr<Transport>> connect_shm(const TransportOptions& options, const std::string& endpoint) {
  if (Status s = check_options(options); !s.ok()) return s;
  if (options.link.bandwidth_gbps < 0 || options.link.latency_us < 0)
    return Status::InvalidArgument("transport.link: bandwidth_gbps and latency_us must not be negative");
  auto t = std::make_unique<ShmTransport>(options, endpoint);
  if (Status s = t->connect(); !s.ok()) return s;
  return std::unique_ptr<Transport>(std::move(t));
}

TransportEntry shm_transport_entry() {
  return {"shm", "the memory node's region mapped into this process: copies (optional link model)",
          NodeListener::kUnixSocket, connect_shm};
}

}  // namespace rpbench::transport
