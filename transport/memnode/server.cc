#include "transport/memnode/server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>

#include "base/errno_text.h"
#include "transport/protocol.h"

namespace rpbench::transport::memnode {

namespace protocol = rpbench::transport::protocol;
using protocol::Code;

// How long a connection ended by a protocol error keeps reading (and dropping) what its client
// still sends, so that the client gets the error reply rather than a reset.
constexpr std::chrono::milliseconds kDrainTime(2000);

namespace {

// Reads exactly n bytes. False on EOF, error or timeout (SO_RCVTIMEO).
// The peer's numeric address, without the port ("127.0.0.1", "::1").
std::string peer_address(const sockaddr_storage& addr) {
  char host[NI_MAXHOST] = "?";
  ::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), sizeof addr, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
  return host;
}

bool recv_all(int fd, void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r > 0) {
      p += r;
      n -= static_cast<size_t>(r);
    } else if (r == 0 || errno != EINTR) {
      return false;
    }
  }
  return true;
}

// Writes every byte of iov[0..count) (advancing over partial writes). False on error (EPIPE, ...).
bool send_all(int fd, iovec* iov, size_t count, const msghdr* first_with_control = nullptr) {
  bool first = true;
  while (count > 0) {
    msghdr msg{};
    if (first && first_with_control) msg = *first_with_control;
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    first = false;
    auto left = static_cast<size_t>(r);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<uint8_t*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

std::string clip(std::string s) {
  if (s.size() > protocol::kMaxMessageBytes) s.resize(protocol::kMaxMessageBytes);
  return s;
}

bool send_hello_reply(int fd, Code code, const std::string& message, uint64_t region_bytes, int pass_fd = -1) {
  std::string text = clip(message);
  protocol::HelloReply reply;
  reply.code = code;
  reply.message_len = static_cast<uint32_t>(text.size());
  reply.region_bytes = region_bytes;
  std::array<uint8_t, protocol::kHelloReplyBytes> head;
  protocol::encode(reply, head);
  iovec iov[2] = {{head.data(), head.size()}, {text.data(), text.size()}};
  if (pass_fd < 0) return send_all(fd, iov, text.empty() ? 1 : 2);
  // The memfd rides on the first byte of the reply (SCM_RIGHTS).
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
  return send_all(fd, iov, text.empty() ? 1 : 2, &msg);
}

std::string range_message(const char* op, const protocol::RequestHeader& req, const Region& r, Code c) {
  if (c == Code::kBadLength)
    return std::string(op) + " of " + std::to_string(req.length) + " bytes: length must be in [1, " +
           std::to_string(protocol::kMaxRequestBytes) + "]";
  return std::string(op) + " of " + std::to_string(req.length) + " bytes at offset " + std::to_string(req.offset) +
         " is outside region " + std::to_string(r.id()) + " of " + std::to_string(r.bytes()) + " bytes";
}

// One connection's request stream. Headers, and the small payloads that arrive with them, are
// received in gulps of up to kInBytes and copied out; the rest of a payload of kDirectBytes or
// more is received straight into its destination (the region). Responses are queued and sent
// when the node is about to wait for more input (or kOutFlushBytes are queued), so a client that
// pipelines gets its replies in batches and a client with one request in flight gets each at once.
// A read's payload goes out straight from the region, gathered with the queued responses.
class RequestWire {
 public:
  explicit RequestWire(int fd) : fd_(fd), in_(kInBytes) {}

  // Exactly n bytes into dst. False on EOF, error, or a failed flush.
  bool read(void* dst, size_t n) {
    auto* d = static_cast<uint8_t*>(dst);
    for (;;) {
      size_t take = std::min(end_ - begin_, n);
      std::memcpy(d, in_.data() + begin_, take);
      begin_ += take;
      d += take;
      n -= take;
      if (n == 0) return true;
      if (n >= kDirectBytes) return flush() && recv_all(fd_, d, n);
      if (!fill()) return false;
    }
  }
  // Reads and drops n bytes (the payload of a refused write, so the framing stays intact).
  bool discard(uint64_t n) {
    for (;;) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(end_ - begin_, n));
      begin_ += take;
      n -= take;
      if (n == 0) return true;
      if (!fill()) return false;
    }
  }
  bool queue_response(Code code, uint64_t tag, const std::string& message) {
    std::string text = clip(message);
    protocol::ResponseHeader resp;
    resp.code = code;
    resp.message_len = static_cast<uint32_t>(text.size());
    resp.tag = tag;
    append(resp);
    out_.insert(out_.end(), text.begin(), text.end());
    return out_.size() < kOutFlushBytes || flush();
  }
  // The response to a successful read: queued responses, its header and `length` region bytes.
  bool send_read(uint64_t tag, const uint8_t* data, uint64_t length) {
    protocol::ResponseHeader resp;
    resp.tag = tag;
    resp.length = length;
    append(resp);
    iovec iov[2] = {{out_.data(), out_.size()}, {const_cast<uint8_t*>(data), static_cast<size_t>(length)}};
    bool ok = send_all(fd_, iov, 2);
    out_.clear();
    return ok;
  }
  bool flush() {
    if (out_.empty()) return true;
    iovec iov{out_.data(), out_.size()};
    bool ok = send_all(fd_, &iov, 1);
    out_.clear();
    return ok;
  }

 private:
  static constexpr size_t kInBytes = 64 * 1024;
  static constexpr size_t kDirectBytes = 16 * 1024;
  static constexpr size_t kOutFlushBytes = 16 * 1024;

  void append(const protocol::ResponseHeader& resp) {
    std::array<uint8_t, protocol::kResponseBytes> head;
    protocol::encode(resp, head);
    out_.insert(out_.end(), head.begin(), head.end());
  }
  // Refills the (empty) input buffer: without waiting if bytes are there, else after flushing the
  // queued responses (the client may be waiting for them before it sends more).
  bool fill() {
    begin_ = end_ = 0;
    bool flushed = false;
    for (;;) {
      ssize_t r = ::recv(fd_, in_.data(), in_.size(), flushed ? 0 : MSG_DONTWAIT);
      if (r > 0) {
        end_ = static_cast<size_t>(r);
        return true;
      }
      if (r == 0) return false;
      if (errno == EINTR) continue;
      if (!flushed && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!flush()) return false;
        flushed = true;
        continue;
      }
      return false;
    }
  }

  int fd_;
  std::vector<uint8_t> in_;
  size_t begin_ = 0, end_ = 0;
  std::vector<uint8_t> out_;
};

// Reads exactly n bytes before `deadline` (the whole hello gets one deadline, however the peer
// trickles it). False on EOF, error or timeout.
bool recv_all_by(int fd, void* buf, size_t n, std::chrono::steady_clock::time_point deadline) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    const ssize_t r = ::recv(fd, p, n, MSG_DONTWAIT);
    if (r > 0) {
      p += r;
      n -= static_cast<size_t>(r);
    } else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
      return false;
    }
  }
  return true;
}

// After an error reply that ends a connection: stop sending, then read and drop what the client
// still sends (up to `deadline`) so that closing does not reset the connection and the client
// gets the reply rather than ECONNRESET.
void drain_before_close(int fd, std::chrono::steady_clock::time_point deadline) {
  ::shutdown(fd, SHUT_WR);
  std::array<uint8_t, 64 * 1024> sink;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    const ssize_t r = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) return;
  }
}

std::string format_endpoint(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) return "[" + address + "]:" + std::to_string(port);
  return address + ":" + std::to_string(port);
}

}  // namespace

Server::Server(std::vector<std::unique_ptr<Region>> regions, ServerOptions options)
    : regions_(std::move(regions)), options_(std::move(options)) {}

StatusOr<std::unique_ptr<Server>> Server::open(std::vector<std::unique_ptr<Region>> regions, ServerOptions options) {
  std::unique_ptr<Server> server(new Server(std::move(regions), std::move(options)));
  if (Status s = server->listen(); !s.ok()) return s;  // ~Server removes a socket or directory made so far
  return server;
}

Status Server::listen() {
  if (regions_.empty()) return Status::InvalidArgument("memory node: no regions");
  if (options_.token.empty()) return Status::InvalidArgument("memory node: the token is empty");
  if (options_.token.size() > protocol::kMaxTokenBytes)
    return Status::InvalidArgument("memory node: the token is longer than " + std::to_string(protocol::kMaxTokenBytes) +
                                   " bytes");

  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd_) return errno_status("memory node: eventfd");

  // TCP listener.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port_text = std::to_string(options_.port);
  int gai = ::getaddrinfo(options_.listen_address.c_str(), port_text.c_str(), &hints, &found);
  if (gai != 0)
    return Status::InvalidArgument("memory node: cannot resolve listen address '" + options_.listen_address +
                                   "': " + ::gai_strerror(gai));
  std::string last_error = "no address";
  for (addrinfo* ai = found; ai != nullptr && !tcp_listener_; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol));
    if (!fd) {
      last_error = errno_text();
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), SOMAXCONN) != 0) {
      last_error = errno_text();
      continue;
    }
    tcp_listener_ = std::move(fd);
  }
  ::freeaddrinfo(found);
  if (!tcp_listener_)
    return Status::Unavailable("memory node: cannot listen on " +
                               format_endpoint(options_.listen_address, options_.port) + ": " + last_error);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  if (::getsockname(tcp_listener_.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0)
    return errno_status("memory node: getsockname");
  tcp_port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  // Unix socket for shm clients.
  if (options_.unix_path.empty()) return Status::Ok();
  std::string path = options_.unix_path;
  if (path == "auto") {
    const char* tmp = std::getenv("TMPDIR");
    std::string base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
    std::string templ = base + "/rpbench-memnode-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr)  // mkdtemp makes the directory 0700
      return errno_status("memory node: cannot create a private directory under " + base);
    unix_dir_ = templ;
    path = unix_dir_ + "/memnode.sock";
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    return Status::InvalidArgument("memory node: unix socket path '" + path + "' is longer than " +
                                   std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    return errno_status("memory node: cannot bind unix socket '" + path + "'");
  unix_path_ = path;  // from here on, ours to unlink
  if (::listen(fd.get(), SOMAXCONN) != 0)
    return errno_status("memory node: cannot listen on unix socket '" + path + "'");
  unix_listener_ = std::move(fd);
  return Status::Ok();
}

Server::~Server() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& c : connections_) ::shutdown(c->fd.get(), SHUT_RDWR);
  }
  reap_finished(true);
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
  if (!unix_dir_.empty()) ::rmdir(unix_dir_.c_str());
}

std::vector<Region*> Server::regions() const {
  std::vector<Region*> out;
  for (const auto& r : regions_) out.push_back(r.get());
  return out;
}

std::string Server::tcp_endpoint() const { return format_endpoint(options_.listen_address, tcp_port_); }

void Server::request_stop() {
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_.get(), &one, sizeof(one));
  (void)r;  // EAGAIN: a wake-up is already pending
}

Status Server::run(int stop_fd) {
  if (ran_) return Status::FailedPrecondition("memory node: Server::run() called twice");
  ran_ = true;
  Status poll_error;
  for (;;) {
    std::array<pollfd, 4> fds{};
    size_t n = 0;
    fds[n++] = {wake_fd_.get(), POLLIN, 0};
    if (stop_fd >= 0) fds[n++] = {stop_fd, POLLIN, 0};
    size_t tcp_at = n;
    fds[n++] = {tcp_listener_.get(), POLLIN, 0};
    size_t unix_at = n;
    if (unix_listener_) fds[n++] = {unix_listener_.get(), POLLIN, 0};
    int ready = ::poll(fds.data(), n, 1000);
    if (ready < 0 && errno != EINTR) {
      poll_error = errno_status("memory node: poll");
      break;
    }
    if (ready > 0) {
      bool stop = false;
      for (size_t i = 0; i < tcp_at; ++i) stop |= fds[i].revents != 0;
      if (stop) break;
      if (fds[tcp_at].revents & POLLIN) accept_one(tcp_listener_.get(), false);
      if (unix_listener_ && (fds[unix_at].revents & POLLIN)) accept_one(unix_listener_.get(), true);
    }
    reap_finished(false);
  }
  tcp_listener_.reset();
  unix_listener_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& c : connections_) ::shutdown(c->fd.get(), SHUT_RDWR);
  }
  reap_finished(true);
  return poll_error;
}

void Server::accept_one(int listen_fd, bool unix_socket) {
  // The listeners are non-blocking (accept after poll may find the connection gone) and the
  // accepted socket is blocking (accept4 does not pass O_NONBLOCK on).
  sockaddr_storage addr{};
  socklen_t addr_len = sizeof addr;
  UniqueFd fd(::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &addr_len, SOCK_CLOEXEC));
  if (!fd) {
    // Nothing to accept after all, the peer went away already (keep serving the others), or this
    // process is out of fds or memory: back off briefly rather than spin on a listener that stays
    // readable.
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return;
  }
  // Connections that have not finished their hello, and connections in all, are capped: clients
  // without the token cannot take every descriptor or thread of the node. At a cap, the oldest
  // connection still in its handshake (of the peer holding the most) makes room; when every
  // connection is past its handshake, the new one is closed at once.
  reap_finished(false);  // ended connections do not count against the caps
  auto over_caps = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return handshaking_.load() >= options_.max_handshakes ||
           connections_.size() >= static_cast<size_t>(options_.max_connections);
  };
  while (over_caps())
    if (!evict_one_handshake()) return;
  if (!unix_socket) {
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  auto conn = std::make_unique<Connection>();
  conn->fd = std::move(fd);
  conn->unix_socket = unix_socket;
  conn->peer = unix_socket ? std::string("unix") : peer_address(addr);
  conn->accepted = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || connections_.size() >= static_cast<size_t>(options_.max_connections)) return;
  Connection& c = *conn;
  ++handshaking_;
  try {
    c.thread = std::thread([this, &c] { serve_connection(c); });
  } catch (const std::system_error&) {
    --handshaking_;
    return;  // no thread for it: the connection is closed, the node keeps serving the others
  }
  connections_.push_back(std::move(conn));
}

bool Server::evict_one_handshake() {
  Connection* victim = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, int> per_peer;
    for (const auto& c : connections_)
      if (c->in_handshake.load() && !c->done.load()) ++per_peer[c->peer];
    if (per_peer.empty()) return false;
    const auto heaviest = std::max_element(per_peer.begin(), per_peer.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& c : connections_)
      if (c->peer == heaviest->first && c->in_handshake.load() && !c->done.load() &&
          (!victim || c->accepted < victim->accepted))
        victim = c.get();
    if (victim == nullptr) return false;
    victim->in_handshake.store(false);
    ::shutdown(victim->fd.get(), SHUT_RDWR);  // its hello wait returns at once
  }
  // Reaped before the new connection takes its place (the accept loop is the only reaper).
  for (int i = 0; i < 1000 && !victim->done.load(std::memory_order_acquire); ++i)
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  reap_finished(false);
  return true;
}

void Server::reap_finished(bool all) {
  std::list<std::unique_ptr<Connection>> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (all || (*it)->done.load(std::memory_order_acquire)) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  for (auto& c : finished)
    if (c->thread.joinable()) c->thread.join();
  // Their sockets close here, after their threads are gone (no fd reuse race).
}

void Server::serve_connection(Connection& c) {
  try {
    serve(c);
  } catch (...) {
    // Out of memory building a reply, say: this connection ends, the node keeps serving.
  }
  ::shutdown(c.fd.get(), SHUT_RDWR);  // the peer sees EOF now; the fd itself is closed by reap_finished
  c.done.store(true, std::memory_order_release);
}

void Server::serve(Connection& c) {
  const int fd = c.fd.get();
  // Every return ends the connection (serve_connection() shuts it down).

  // Handshake: the whole hello within handshake_timeout_ms.
  std::array<uint8_t, protocol::kHelloBytes> raw;
  const bool got_hello =
      recv_all_by(fd, raw.data(), raw.size(),
                  std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.handshake_timeout_ms));
  c.in_handshake.store(false);
  --handshaking_;
  if (!got_hello) return;
  const protocol::HelloVerdict verdict = protocol::check_hello(raw, options_.token, regions_.size(), c.unix_socket);
  if (verdict.code != Code::kOk) {
    send_hello_reply(fd, verdict.code, verdict.message, 0);
    return;
  }
  const protocol::Hello* hello = &verdict.hello;
  Region& region = *regions_[hello->region];

  if (hello->flags & protocol::kFlagShm) {
    if (!send_hello_reply(fd, Code::kOk, options_.facts, region.bytes(), region.memfd())) return;
    // No requests follow: hold the connection until the client closes it (or the node stops),
    // so each side learns when the other goes away.
    std::array<uint8_t, 256> ignored;
    for (;;) {
      ssize_t r = ::recv(fd, ignored.data(), ignored.size(), 0);
      if (r == 0 || (r < 0 && errno != EINTR)) break;
    }
    return;
  }

  // From here on no timeout: pipelined requests may pause for as long as the client likes.
  if (!send_hello_reply(fd, Code::kOk, options_.facts, region.bytes())) return;

  // Requests, answered in order.
  RequestWire wire(fd);
  std::array<uint8_t, protocol::kRequestBytes> head;
  while (wire.read(head.data(), head.size())) {
    protocol::RequestHeader req = protocol::decode_request(head);
    if (req.op == static_cast<uint32_t>(protocol::ReqOp::kWrite)) {
      Code code = protocol::check_range(req.offset, req.length, region.bytes());
      if (code == Code::kBadLength) {  // the payload's size cannot be trusted: no framing left
        wire.queue_response(code, req.tag, range_message("write", req, region, code));
        if (wire.flush()) drain_before_close(fd, std::chrono::steady_clock::now() + kDrainTime);
        break;
      }
      if (code != Code::kOk) {
        if (!wire.discard(req.length)) break;
        if (!wire.queue_response(code, req.tag, range_message("write", req, region, code))) break;
        continue;
      }
      // A lazy region's pages are reserved first: a node short of memory refuses this write (the
      // client's transfer fails) instead of faulting pages the machine cannot give.
      if (const Status reserved = region.reserve(req.offset, req.length); !reserved.ok()) {
        if (!wire.discard(req.length)) break;
        if (!wire.queue_response(Code::kNodeError, req.tag, reserved.message())) break;
        continue;
      }
      // Straight into the region. Clients writing and reading overlapping bytes at once (over any
      // transport) race as they would on a remote NIC: the node only guarantees the bounds.
      if (!wire.read(region.data() + req.offset, req.length)) break;
      if (!wire.queue_response(Code::kOk, req.tag, "")) break;
    } else if (req.op == static_cast<uint32_t>(protocol::ReqOp::kRead)) {
      Code code = protocol::check_range(req.offset, req.length, region.bytes());
      if (code != Code::kOk) {  // no payload follows a read: the framing is intact
        if (!wire.queue_response(code, req.tag, range_message("read", req, region, code))) break;
        continue;
      }
      if (!wire.send_read(req.tag, region.data() + req.offset, req.length)) break;
    } else {
      wire.queue_response(Code::kUnknownOp, req.tag, "unknown op " + std::to_string(req.op));
      if (wire.flush()) drain_before_close(fd, std::chrono::steady_clock::now() + kDrainTime);
      break;
    }
  }
}

}  // namespace rpbench::transport::memnode
