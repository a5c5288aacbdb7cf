#include "transport/socket_util.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "base/errno_text.h"
#include "base/host_port.h"

namespace rpbench::transport::detail {

namespace {

using Code = Status::Code;

Status fail(Code code, const std::string& endpoint, const std::string& why) {
  return Status::FromCode(code, "cannot connect to memory node at " + endpoint + ": " + why);
}

Status timed_out(const std::string& endpoint, const Deadline& deadline, const char* what) {
  return fail(
      Code::kTimeout, endpoint,
      std::string("timed out after ") + std::to_string(deadline.budget().count()) + " ms (connect_timeout_ms) " + what);
}

// A failed connect(): the node is not there (refused, no route, no socket file), or the OS says
// it took too long.
Status connect_failed(const std::string& endpoint, int err) {
  return fail(err == ETIMEDOUT ? Code::kTimeout : Code::kUnavailable, endpoint, errno_text(err));
}

// Waits for `events` on fd until the deadline; false when it passed first.
bool wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ms = deadline.remaining_ms();
    int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the following call report the error
  }
}

Status send_all(int fd, const uint8_t* data, size_t len, const std::string& endpoint, const Deadline& deadline) {
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = ::send(fd, data + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) return timed_out(endpoint, deadline, "sending the hello");
      continue;
    }
    return fail(Code::kUnavailable, endpoint, "sending the hello: " + errno_text(errno));
  }
  return Status::Ok();
}

// Keeps the first descriptor passed with SCM_RIGHTS in *memfd (when asked and not yet set) and
// closes every other one.
void take_passed_fds(msghdr& m, UniqueFd* memfd) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int passed;
      std::memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (memfd != nullptr && !*memfd) {
        memfd->reset(passed);
      } else {
        ::close(passed);
      }
    }
  }
}

// Reads exactly len bytes; a file descriptor passed with SCM_RIGHTS on the way lands in *memfd.
Status recv_all(int fd, uint8_t* data, size_t len, UniqueFd* memfd, const std::string& endpoint,
                const Deadline& deadline) {
  size_t got = 0;
  while (got < len) {
    iovec iov{data + got, len - got};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 4)> control{};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n > 0) {
      take_passed_fds(m, memfd);
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return fail(Code::kUnavailable, endpoint, "the node closed the connection during the handshake");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, deadline)) return timed_out(endpoint, deadline, "waiting for the handshake reply");
      continue;
    }
    return fail(Code::kUnavailable, endpoint, "reading the handshake reply: " + errno_text(errno));
  }
  return Status::Ok();
}

// A non-blocking connect() in progress: waits for it until the deadline; 0 or the socket's error.
StatusOr<int> finish_connect(int fd, const std::string& endpoint, const Deadline& deadline) {
  if (!wait_for(fd, POLLOUT, deadline)) return timed_out(endpoint, deadline, "connecting");
  int err = 0;
  socklen_t err_len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
  return err;
}

}  // namespace

int Deadline::remaining_ms() const {
  auto left = at_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

StatusOr<UniqueFd> connect_tcp(const std::string& endpoint, const Deadline& deadline) {
  const StatusOr<HostPort> hp = parse_host_port(endpoint);
  if (!hp.ok()) return hp.status().with_context("cannot connect to a memory node at ");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(hp->host.c_str(), std::to_string(hp->port).c_str(), &hints, &found); rc != 0)
    return fail(Code::kUnavailable, endpoint, std::string("cannot resolve the address: ") + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);

  Status last_error = fail(Code::kUnavailable, endpoint, "no address");
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) {
      last_error = fail(Code::kIoError, endpoint, "socket(): " + errno_text(errno));
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS && errno != EINTR) {
        last_error = connect_failed(endpoint, errno);
        continue;
      }
      StatusOr<int> err = finish_connect(fd.get(), endpoint, deadline);
      if (!err.ok()) return err.status();
      if (*err != 0) {
        last_error = connect_failed(endpoint, *err);
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  return last_error;
}

StatusOr<UniqueFd> connect_unix(const std::string& path, const std::string& endpoint, const Deadline& deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return fail(Code::kInvalidArgument, endpoint,
                "the socket path is empty or longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(Code::kIoError, endpoint, "socket(): " + errno_text(errno));
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {  // the listener's backlog is full: retry until the deadline
      if (deadline.expired()) return timed_out(endpoint, deadline, "connecting (listen backlog full)");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (errno != EINPROGRESS) return connect_failed(endpoint, errno);
    StatusOr<int> err = finish_connect(fd.get(), endpoint, deadline);
    if (!err.ok()) return err.status();
    if (*err != 0) return connect_failed(endpoint, *err);
    return fd;
  }
}

StatusOr<HandshakeResult> handshake(int fd, const std::string& endpoint, const protocol::Hello& hello,
                                    const Deadline& deadline, bool want_fd) {
  std::array<uint8_t, protocol::kHelloBytes> out;
  protocol::encode(hello, out);
  if (Status s = send_all(fd, out.data(), out.size(), endpoint, deadline); !s.ok()) return s;

  HandshakeResult result;
  UniqueFd* memfd = want_fd ? &result.memfd : nullptr;
  std::array<uint8_t, protocol::kHelloReplyBytes> in;
  if (Status s = recv_all(fd, in.data(), in.size(), memfd, endpoint, deadline); !s.ok()) return s;
  std::optional<protocol::HelloReply> reply = protocol::decode_hello_reply(in);
  if (!reply || reply->magic != protocol::kMagic)
    return fail(Code::kFailedPrecondition, endpoint,
                "the peer is not an rpbench memory node (malformed handshake reply)");
  std::string message(reply->message_len, '\0');
  if (reply->message_len > 0) {
    Status s = recv_all(fd, reinterpret_cast<uint8_t*>(message.data()), message.size(), memfd, endpoint, deadline);
    if (!s.ok()) return s;
  }
  if (reply->code != protocol::Code::kOk) {
    std::string why = "the node refused the handshake: " + std::string(protocol::code_name(reply->code));
    if (!message.empty() && message != protocol::code_name(reply->code)) why += " (" + message + ")";
    return fail(protocol::refusal_code(reply->code), endpoint, why);
  }
  if (reply->version != protocol::kVersion)
    return fail(Code::kFailedPrecondition, endpoint,
                "protocol version " + std::to_string(reply->version) + ", this client speaks " +
                    std::to_string(protocol::kVersion));
  if (reply->region_bytes == 0)
    return fail(Code::kFailedPrecondition, endpoint, "the node reported a region of 0 bytes");
  if (want_fd && !result.memfd)
    return fail(Code::kFailedPrecondition, endpoint, "the node accepted but passed no region file descriptor");
  result.region_bytes = reply->region_bytes;
  result.node_facts = message;
  return result;
}

}  // namespace rpbench::transport::detail
