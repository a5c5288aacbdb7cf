#include "transport/socket_util.h"
#include "base/errno_text.h"
#include "base/token.h"

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
#include <stdexcept>
#include <thread>

namespace rpbench::transport::detail {

namespace {

[[noreturn]] void fail(const std::string& endpoint, const std::string& why) {
  throw std::runtime_error("cannot connect to memory node at " + endpoint + ": " + why);
}

std::string timed_out(const Deadline& deadline, const char* what) {
  return std::string("timed out after ") + std::to_string(deadline.budget().count()) + " ms (connect_timeout_ms) " +
         what;
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

void send_all(int fd, const uint8_t* data, size_t len, const std::string& endpoint, const Deadline& deadline) {
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = ::send(fd, data + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) fail(endpoint, timed_out(deadline, "sending the hello"));
      continue;
    }
    fail(endpoint, "sending the hello: " + errno_text(errno));
  }
}

// Reads exactly len bytes; a file descriptor passed with SCM_RIGHTS on the way lands in *memfd.
void recv_all(int fd, uint8_t* data, size_t len, UniqueFd* memfd, const std::string& endpoint,
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
      got += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) fail(endpoint, "the node closed the connection during the handshake");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, deadline)) fail(endpoint, timed_out(deadline, "waiting for the handshake reply"));
      continue;
    }
    fail(endpoint, "reading the handshake reply: " + errno_text(errno));
  }
}

}  // namespace

int Deadline::remaining_ms() const {
  auto left = at_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

void check_options(const TransportOptions& options) {
  if (options.channels < 1)
    throw std::invalid_argument("transport.channels must be at least 1, got " + std::to_string(options.channels));
  if (options.queue_depth < 1)
    throw std::invalid_argument("transport.queue_depth must be at least 1, got " +
                                std::to_string(options.queue_depth));
  if (options.chunk_bytes == 0 || options.chunk_bytes > protocol::kMaxRequestBytes)
    throw std::invalid_argument("transport.chunk_bytes must be in [1, " + std::to_string(protocol::kMaxRequestBytes) +
                                "], got " + std::to_string(options.chunk_bytes));
  if (options.io_timeout_ms < 1)
    throw std::invalid_argument("transport.io_timeout_ms must be at least 1, got " + std::to_string(options.io_timeout_ms));
  if (options.connect_timeout_ms < 1)
    throw std::invalid_argument("transport.connect_timeout_ms must be at least 1, got " +
                                std::to_string(options.connect_timeout_ms));
}

std::string resolve_token(const TransportOptions& options) {
  StatusOr<std::string> t = rpbench::resolve_token(options.token);
  if (!t.ok()) throw std::runtime_error(t.status().message());
  return *t;
}

UniqueFd connect_tcp(const std::string& endpoint, const Deadline& deadline) {
  std::string host, port;
  if (!endpoint.empty() && endpoint.front() == '[') {
    size_t close = endpoint.find("]:");
    if (close == std::string::npos) fail(endpoint, "expected [IPV6]:PORT");
    host = endpoint.substr(1, close - 1);
    port = endpoint.substr(close + 2);
  } else {
    size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos) fail(endpoint, "expected HOST:PORT");
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
  }
  if (host.empty() || port.empty()) fail(endpoint, "expected HOST:PORT");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    fail(endpoint, std::string("cannot resolve the address: ") + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);

  std::string last_error = "no address";
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd) {
      last_error = errno_text(errno);
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS && errno != EINTR) {
        last_error = errno_text(errno);
        continue;
      }
      if (!wait_for(fd.get(), POLLOUT, deadline)) fail(endpoint, timed_out(deadline, "connecting"));
      int err = 0;
      socklen_t err_len = sizeof(err);
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
      if (err != 0) {
        last_error = errno_text(err);
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
  }
  fail(endpoint, last_error);
}

UniqueFd connect_unix(const std::string& path, const std::string& endpoint, const Deadline& deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    fail(endpoint, "the socket path is empty or longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) fail(endpoint, "socket(): " + errno_text(errno));
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {  // the listener's backlog is full: retry until the deadline
      if (deadline.expired()) fail(endpoint, timed_out(deadline, "connecting (listen backlog full)"));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    if (errno == EINPROGRESS) {
      if (!wait_for(fd.get(), POLLOUT, deadline)) fail(endpoint, timed_out(deadline, "connecting"));
      int err = 0;
      socklen_t err_len = sizeof(err);
      if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
      if (err != 0) fail(endpoint, errno_text(err));
      return fd;
    }
    fail(endpoint, errno_text(errno));
  }
}

HandshakeResult handshake(int fd, const std::string& endpoint, const protocol::Hello& hello, const Deadline& deadline,
                          bool want_fd) {
  std::array<uint8_t, protocol::kHelloBytes> out;
  protocol::encode(hello, out);
  send_all(fd, out.data(), out.size(), endpoint, deadline);

  HandshakeResult result;
  std::array<uint8_t, protocol::kHelloReplyBytes> in;
  recv_all(fd, in.data(), in.size(), want_fd ? &result.memfd : nullptr, endpoint, deadline);
  std::optional<protocol::HelloReply> reply = protocol::decode_hello_reply(in);
  if (!reply || reply->magic != protocol::kMagic)
    fail(endpoint, "the peer is not an rpbench memory node (malformed handshake reply)");
  std::string message(reply->message_len, '\0');
  if (reply->message_len > 0)
    recv_all(fd, reinterpret_cast<uint8_t*>(message.data()), message.size(), want_fd ? &result.memfd : nullptr,
             endpoint, deadline);
  if (reply->code != protocol::Code::kOk) {
    std::string why = "the node refused the handshake: " + std::string(protocol::code_name(reply->code));
    if (!message.empty() && message != protocol::code_name(reply->code)) why += " (" + message + ")";
    fail(endpoint, why);
  }
  if (reply->version != protocol::kVersion)
    fail(endpoint, "protocol version " + std::to_string(reply->version) + ", this client speaks " +
                       std::to_string(protocol::kVersion));
  if (reply->region_bytes == 0) fail(endpoint, "the node reported a region of 0 bytes");
  if (want_fd && !result.memfd) fail(endpoint, "the node accepted but passed no region file descriptor");
  result.region_bytes = reply->region_bytes;
  return result;
}


std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  uint64_t v = bytes;
  while (unit < 4 && v != 0 && v % 1024 == 0) {
    v /= 1024;
    ++unit;
  }
  return std::to_string(v) + " " + kUnits[unit];
}

}  // namespace rpbench::transport::detail
