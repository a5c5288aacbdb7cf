// The tcp transport: options.channels TCP connections to the memory node, each handshaken, and the
// framed, pipelined request protocol of protocol.h on each. No threads: everything happens in the
// caller's thread inside post(), poll(), wait() and close().
//
// Per channel, a FIFO of chunks: the first `sent` are fully on the wire and await their response
// (the node answers in order), the rest are still to send. post() cuts a transfer into chunks,
// stripes them round-robin over the channels, and sends what the sockets take without blocking;
// when a channel already has queue_depth chunks it drives progress until one completes. Progress
// sends pending requests with sendmsg() straight from the registered buffer (a header iovec, then
// the payload iovec: no copy) and reads responses; a read's payload is received straight into the
// registered buffer (small payloads pass through a 64 KiB staging buffer to save system calls).
// Both directions run on non-blocking sockets under poll(), so we never block in send while the
// node is blocked sending us a read reply.
//
// Errors: a response with an error code fails its chunk with the node's message. EOF, a reset, or a
// malformed response fails every chunk of that channel, closes it, and breaks the transport: later
// posts fail with the reason. A node that stops answering but keeps its connections open (stopped,
// hung) is caught by options.io_timeout_ms: a channel with chunks outstanding and no byte moving
// either way for that long fails like a dead one (an RC queue pair's retry timeout does the same
// for verbs); close() gives up after 60 s at the latest. fork: the sockets are close-on-exec and are never shut down,
// so a forked child that exits (it must not use this transport) leaves the parent's connections intact; close() or the
// destructor in a forked child closes only the child's copies of the descriptors.
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
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

constexpr size_t kStagingBytes = 64 * 1024;  // receive staging for headers and small payloads
constexpr uint64_t kDirectReadMin = 4096;    // a payload remainder at least this big is read in place
constexpr int kMaxIov = 64;                  // iovecs per sendmsg()
constexpr auto kCloseTimeout = std::chrono::seconds(60);

struct WireChunk {
  detail::TransferTable::Id transfer = 0;
  uint64_t seq = 0;  // the request's tag on the wire
  Op op = Op::kWrite;
  uint8_t* local = nullptr;
  uint64_t len = 0;
  uint64_t remote_off = 0;
  std::array<uint8_t, protocol::kRequestBytes> header{};
  uint64_t wire_bytes() const { return protocol::kRequestBytes + (op == Op::kWrite ? len : 0); }
};

enum class RxState { kHeader, kMessage, kPayload };

struct Channel {
  int index = 0;
  UniqueFd fd;
  std::deque<WireChunk> queue;  // [0, sent): on the wire, awaiting a response; [sent, end): to send
  size_t sent = 0;
  uint64_t send_off = 0;  // bytes of queue[sent] already sent
  // Receiving.
  std::vector<uint8_t> staging = std::vector<uint8_t>(kStagingBytes);
  size_t staged_begin = 0;
  size_t staged_end = 0;
  RxState state = RxState::kHeader;
  std::array<uint8_t, protocol::kResponseBytes> header{};
  size_t header_got = 0;
  protocol::ResponseHeader response;
  std::string message;
  uint64_t payload_got = 0;
  Clock::time_point last_io;  // the last byte sent or received, or when the queue became non-empty

  bool open() const { return static_cast<bool>(fd); }
  bool wants_send() const { return sent < queue.size(); }
};

class TcpTransport final : public Transport {
 public:
  TcpTransport(const TransportOptions& options, std::string endpoint)
      : options_(options), endpoint_(std::move(endpoint)), owner_pid_(::getpid()) {}
  ~TcpTransport() override { (void)close(); }

  // Opens options.channels connections and says hello on each (connect_tcp()).
  Status connect();

  std::string_view name() const override { return "tcp"; }
  std::string describe() const override;
  uint64_t region_bytes() const override { return region_bytes_; }
  std::string node_facts() const override { return node_facts_; }
  int channels() const override { return static_cast<int>(channels_.size()); }

  Status register_buffer(void* addr, size_t len, BufferId* id) override;
  Status deregister_buffer(BufferId id) override;
  Status post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) override;
  size_t poll(std::span<Completion> out) override;
  size_t wait(std::span<Completion> out, std::chrono::milliseconds timeout) override;
  size_t pending() const override { return transfers_.pending(); }
  Status close() override;

 private:
  void progress();
  void flush(Channel& c);
  void receive(Channel& c);
  bool consume(Channel& c);    // parses staged bytes; false when the channel failed
  bool on_header(Channel& c);  // false when the channel failed
  bool finish_response(Channel& c);
  void complete_front(Channel& c, const Status& status);
  bool fail_channel(Channel& c, const std::string& why, bool malformed = false);  // always false
  // Sleeps in poll() until a channel can move data or `deadline` passes.
  void wait_io(Clock::time_point deadline);
  std::string chunk_error(const WireChunk& w, const std::string& why) const;

  TransportOptions options_;
  std::string endpoint_;
  pid_t owner_pid_;
  uint64_t region_bytes_ = 0;
  std::string node_facts_;
  std::vector<Channel> channels_;
  size_t next_channel_ = 0;
  uint64_t next_seq_ = 1;
  detail::BufferTable buffers_;
  detail::TransferTable transfers_{buffers_};
  bool closed_ = false;
  std::string broken_;  // why the transport can take no more posts ("" while healthy)
};

Status TcpTransport::connect() {
  StatusOr<std::string> token = resolve_token(options_.token);
  if (!token.ok()) return token.status().with_context("cannot connect to memory node at " + endpoint_ + ": ");
  const StatusOr<protocol::Hello> made = protocol::make_hello(options_.region, *token);
  if (!made.ok()) return made.status().with_context("cannot connect to memory node at " + endpoint_ + ": ");
  const protocol::Hello& hello = *made;
  const detail::Deadline deadline{std::chrono::milliseconds(options_.connect_timeout_ms)};
  channels_.resize(static_cast<size_t>(options_.channels));
  for (size_t i = 0; i < channels_.size(); ++i) {
    Channel& c = channels_[i];
    c.index = static_cast<int>(i);
    StatusOr<UniqueFd> fd = detail::connect_tcp(endpoint_, deadline);
    if (!fd.ok()) return fd.status();
    c.fd = std::move(*fd);
    StatusOr<detail::HandshakeResult> r = detail::handshake(c.fd.get(), endpoint_, hello, deadline, false);
    if (!r.ok()) return r.status();
    if (i == 0) {
      region_bytes_ = r->region_bytes;
      node_facts_ = r->node_facts;
    } else if (r->region_bytes != region_bytes_) {
      return Status::FailedPrecondition("memory node at " + endpoint_ + " reported region sizes " +
                                        std::to_string(region_bytes_) + " and " + std::to_string(r->region_bytes) +
                                        " on two channels");
    }
  }
  return Status::Ok();
}

std::string TcpTransport::describe() const {
  return "tcp " + endpoint_ + ", region " + std::to_string(options_.region) + " (" + format_size_exact(region_bytes_) +
         "), " + std::to_string(channels_.size()) + (channels_.size() == 1 ? " channel" : " channels") + ", chunk " +
         format_size_exact(options_.chunk_bytes) + ", queue depth " + std::to_string(options_.queue_depth);
}

Status TcpTransport::register_buffer(void* addr, size_t len, BufferId* id) {
  if (closed_) return Status::FailedPrecondition("register_buffer: the transport is closed");
  return buffers_.add(addr, len, id);
}

Status TcpTransport::deregister_buffer(BufferId id) { return buffers_.remove(id); }

Status TcpTransport::post(Op op, uint64_t tag, BufferId buf, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  if (closed_) return Status::FailedPrecondition("post: the transport is closed");
  if (!broken_.empty()) return Status::Unavailable("post: " + broken_);
  if (Status s = detail::check_post(buffers_, op, buf, local_off, len, remote_off, region_bytes_); !s.ok()) return s;
  uint8_t* base = buffers_.find(buf)->addr + local_off;
  const uint64_t chunk = options_.chunk_bytes;
  const uint64_t n = detail::chunk_count(len, chunk);
  const auto depth = static_cast<size_t>(options_.queue_depth);
  detail::TransferTable::Id id = transfers_.begin(tag, len, buf, n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t off = i * chunk;
    WireChunk w;
    w.transfer = id;
    w.seq = next_seq_++;
    w.op = op;
    w.local = base + off;
    w.len = std::min(chunk, len - off);
    w.remote_off = remote_off + off;
    Channel& c = channels_[next_channel_];
    next_channel_ = (next_channel_ + 1) % channels_.size();
    while (broken_.empty() && c.open() && c.queue.size() >= depth) {
      wait_io(Clock::now() + std::chrono::milliseconds(options_.io_timeout_ms));
      progress();
    }
    if (!broken_.empty() || !c.open()) {  // the node went away while this transfer was being posted
      transfers_.chunk_done(
          id, Status::FailedPrecondition(chunk_error(w, broken_.empty() ? "the channel is closed" : broken_)));
      continue;
    }
    protocol::RequestHeader h;
    h.op = static_cast<uint32_t>(op == Op::kWrite ? protocol::ReqOp::kWrite : protocol::ReqOp::kRead);
    h.tag = w.seq;
    h.offset = w.remote_off;
    h.length = w.len;
    protocol::encode(h, std::span<uint8_t, protocol::kRequestBytes>(w.header));
    if (c.queue.empty()) c.last_io = Clock::now();
    c.queue.push_back(w);
  }
  for (Channel& c : channels_)
    if (c.wants_send()) flush(c);
  return Status::Ok();
}

size_t TcpTransport::poll(std::span<Completion> out) {
  if (!closed_) progress();
  return transfers_.take(out);
}

size_t TcpTransport::wait(std::span<Completion> out, std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  if (!closed_)
    detail::progress_until(
        deadline, [this] { progress(); }, [this](Clock::time_point d) { wait_io(d); },
        [this] { return transfers_.ready() > 0 || transfers_.active() == 0; });
  return transfers_.take(out);
}

Status TcpTransport::close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (::getpid() != owner_pid_) {
    // A forked child: no I/O on the parent's connections; only our copies of the descriptors go.
    for (Channel& c : channels_) c.fd.reset();
    transfers_.clear();
    return Status::FailedPrecondition(
        "close() of a tcp transport in a forked child: its connections belong to the parent");
  }
  const Clock::time_point deadline = Clock::now() + kCloseTimeout;
  detail::progress_until(
      deadline, [this] { progress(); }, [this](Clock::time_point d) { wait_io(d); },
      [this] { return transfers_.active() == 0; });
  const size_t left = transfers_.active();
  for (Channel& c : channels_) {
    c.queue.clear();
    c.fd.reset();
  }
  transfers_.clear();
  if (left != 0)
    return Status::Timeout("close: " + std::to_string(left) + " transfer(s) to the memory node at " + endpoint_ +
                           " still pending after " + std::to_string(kCloseTimeout.count()) + " s; dropped");
  return Status::Ok();
}

void TcpTransport::progress() {
  const auto io_timeout = std::chrono::milliseconds(options_.io_timeout_ms);
  for (Channel& c : channels_) {
    if (!c.open()) continue;
    if (c.wants_send()) flush(c);
    if (c.open()) receive(c);
    if (c.open() && !c.queue.empty() && Clock::now() - c.last_io > io_timeout)
      fail_channel(c, "no byte moved to or from the node for " + std::to_string(options_.io_timeout_ms) +
                          " ms with transfers outstanding (transport io_timeout_ms)");
  }
}

void TcpTransport::flush(Channel& c) {
  while (c.open() && c.wants_send()) {
    std::array<iovec, kMaxIov> iov;
    int n = 0;
    uint64_t off = c.send_off;
    for (size_t i = c.sent; i < c.queue.size() && n + 2 <= kMaxIov; ++i, off = 0) {
      WireChunk& w = c.queue[i];
      if (off < protocol::kRequestBytes) iov[n++] = iovec{w.header.data() + off, protocol::kRequestBytes - off};
      if (w.op == Op::kWrite) {
        uint64_t p = off > protocol::kRequestBytes ? off - protocol::kRequestBytes : 0;
        iov[n++] = iovec{w.local + p, w.len - p};
      }
    }
    msghdr m{};
    m.msg_iov = iov.data();
    m.msg_iovlen = static_cast<size_t>(n);
    ssize_t k = ::sendmsg(c.fd.get(), &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail_channel(c, "sending: " + errno_text(errno));
      return;
    }
    if (k > 0) c.last_io = Clock::now();
    auto left = static_cast<uint64_t>(k);
    while (left > 0) {
      const uint64_t rest = c.queue[c.sent].wire_bytes() - c.send_off;
      if (left >= rest) {
        left -= rest;
        ++c.sent;
        c.send_off = 0;
      } else {
        c.send_off += left;
        left = 0;
      }
    }
  }
}

void TcpTransport::receive(Channel& c) {
  while (c.open()) {
    if (c.staged_begin == c.staged_end) {
      c.staged_begin = c.staged_end = 0;
      ssize_t k;
      const bool direct = c.state == RxState::kPayload && c.queue.front().len - c.payload_got >= kDirectReadMin;
      if (direct) {
        WireChunk& w = c.queue.front();
        k = ::recv(c.fd.get(), w.local + c.payload_got, w.len - c.payload_got, MSG_DONTWAIT);
      } else {
        k = ::recv(c.fd.get(), c.staging.data(), c.staging.size(), MSG_DONTWAIT);
      }
      if (k == 0) {
        fail_channel(c, "the connection was closed by the node");
        return;
      }
      if (k < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        fail_channel(c, "receiving: " + errno_text(errno));
        return;
      }
      c.last_io = Clock::now();
      if (direct) {
        c.payload_got += static_cast<uint64_t>(k);
        if (c.payload_got == c.queue.front().len) complete_front(c, Status::Ok());
        continue;
      }
      c.staged_end = static_cast<size_t>(k);
    }
    if (!consume(c)) return;
  }
}

bool TcpTransport::consume(Channel& c) {
  while (c.staged_begin < c.staged_end) {
    const uint8_t* src = c.staging.data() + c.staged_begin;
    const size_t avail = c.staged_end - c.staged_begin;
    switch (c.state) {
      case RxState::kHeader: {
        size_t take = std::min(avail, protocol::kResponseBytes - c.header_got);
        std::memcpy(c.header.data() + c.header_got, src, take);
        c.header_got += take;
        c.staged_begin += take;
        if (c.header_got == protocol::kResponseBytes) {
          c.header_got = 0;
          if (!on_header(c)) return false;
        }
        break;
      }
      case RxState::kMessage: {
        size_t take = std::min<size_t>(avail, c.response.message_len - c.message.size());
        c.message.append(reinterpret_cast<const char*>(src), take);
        c.staged_begin += take;
        if (c.message.size() == c.response.message_len && !finish_response(c)) return false;
        break;
      }
      case RxState::kPayload: {
        WireChunk& w = c.queue.front();
        size_t take = static_cast<size_t>(std::min<uint64_t>(avail, w.len - c.payload_got));
        std::memcpy(w.local + c.payload_got, src, take);
        c.payload_got += take;
        c.staged_begin += take;
        if (c.payload_got == w.len) complete_front(c, Status::Ok());
        break;
      }
    }
  }
  return true;
}

bool TcpTransport::on_header(Channel& c) {
  std::optional<protocol::ResponseHeader> r =
      protocol::decode_response(std::span<const uint8_t, protocol::kResponseBytes>(c.header));
  if (!r) return fail_channel(c, "a response message longer than the protocol allows", true);
  if (c.sent == 0)
    return fail_channel(
        c, c.queue.empty() ? "a response with no request outstanding" : "a response before its request was fully sent",
        true);
  const WireChunk& w = c.queue.front();
  if (r->tag != w.seq)
    return fail_channel(
        c, "response tag " + std::to_string(r->tag) + " where " + std::to_string(w.seq) + " was expected", true);
  c.response = *r;
  c.message.clear();
  if (r->message_len > 0) {
    c.state = RxState::kMessage;
    return true;
  }
  return finish_response(c);
}

bool TcpTransport::finish_response(Channel& c) {
  const WireChunk& w = c.queue.front();
  const protocol::ResponseHeader& r = c.response;
  c.state = RxState::kHeader;
  if (r.code != protocol::Code::kOk) {
    if (r.length != 0) return fail_channel(c, "an error response with a payload", true);
    std::string why = "the memory node at " + endpoint_ + " refused it: " + std::string(protocol::code_name(r.code));
    if (!c.message.empty()) why += " (" + c.message + ")";
    complete_front(c, Status::Unavailable(chunk_error(w, why)));
    return true;
  }
  if (w.op == Op::kRead) {
    if (r.length != w.len)
      return fail_channel(
          c, "a read reply of " + std::to_string(r.length) + " bytes for a read of " + std::to_string(w.len), true);
    c.state = RxState::kPayload;
    c.payload_got = 0;
    return true;
  }
  if (r.length != 0) return fail_channel(c, "a write reply with a payload", true);
  complete_front(c, Status::Ok());
  return true;
}

void TcpTransport::complete_front(Channel& c, const Status& status) {
  const detail::TransferTable::Id id = c.queue.front().transfer;
  c.queue.pop_front();
  --c.sent;
  c.state = RxState::kHeader;
  c.payload_got = 0;
  transfers_.chunk_done(id, status);
}

bool TcpTransport::fail_channel(Channel& c, const std::string& why, bool malformed) {
  std::string reason = malformed ? "the memory node at " + endpoint_ + " sent a malformed response (" + why +
                                       ", channel " + std::to_string(c.index) + ")"
                                 : "the memory node at " + endpoint_ + " went away (" + why + ", channel " +
                                       std::to_string(c.index) + ")";
  if (broken_.empty()) broken_ = reason;
  std::deque<WireChunk> failed;
  failed.swap(c.queue);
  c.sent = 0;
  c.send_off = 0;
  c.staged_begin = c.staged_end = 0;
  c.state = RxState::kHeader;
  c.header_got = 0;
  c.fd.reset();
  for (const WireChunk& w : failed) transfers_.chunk_done(w.transfer, Status::Unavailable(chunk_error(w, reason)));
  return false;
}

void TcpTransport::wait_io(Clock::time_point deadline) {
  std::array<pollfd, 64> small;
  std::vector<pollfd> big;
  pollfd* fds = small.data();
  if (channels_.size() > small.size()) {
    big.resize(channels_.size());
    fds = big.data();
  }
  nfds_t n = 0;
  for (const Channel& c : channels_) {
    if (!c.open()) continue;
    fds[n++] = pollfd{c.fd.get(), static_cast<short>(POLLIN | (c.wants_send() ? POLLOUT : 0)), 0};
  }
  if (n == 0) return;
  timespec ts{};
  timespec* tsp = nullptr;
  if (deadline != Clock::time_point::max()) {
    auto left = std::max(deadline - Clock::now(), Clock::duration::zero());
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    tsp = &ts;
  }
  ::ppoll(fds, n, tsp, nullptr);
}

std::string TcpTransport::chunk_error(const WireChunk& w, const std::string& why) const {
  return std::string(op_name(w.op)) + " of " + std::to_string(w.len) + " bytes at remote offset " +
         std::to_string(w.remote_off) + " failed: " + why;
}

}  // namespace

StatusOr<std::unique_ptr<Transport>> connect_tcp(const TransportOptions& options, const std::string& endpoint) {
  if (Status s = check_options(options); !s.ok()) return s;
  auto t = std::make_unique<TcpTransport>(options, endpoint);
  if (Status s = t->connect(); !s.ok()) return s;
  return std::unique_ptr<Transport>(std::move(t));
}

TransportEntry tcp_transport_entry() {
  return {"tcp", "a framed, pipelined protocol to the memory node over TCP", NodeListener::kTcp, connect_tcp};
}

}  // namespace rpbench::transport
