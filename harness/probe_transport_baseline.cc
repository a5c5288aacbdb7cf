#include "harness/probe_transport_baseline.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/measure/clock.h"
#include "harness/unique_fd.h"

namespace rpbench::probe {
namespace {

std::runtime_error os_error(const std::string& what) {
  return std::runtime_error("socket stream baseline: " + what + ": " + std::strerror(errno));
}

// An anonymous mapping (MAP_SHARED when a forked child writes into it: no copy-on-write faults),
// unmapped on destruction.
class Mapping {
 public:
  explicit Mapping(uint64_t bytes, bool shared = false) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      throw std::runtime_error("baseline: mmap of " + std::to_string(bytes) + " bytes: " + std::strerror(errno));
    addr_ = static_cast<char*>(p);
  }
  ~Mapping() { ::munmap(addr_, bytes_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  char* data() const { return addr_; }

 private:
  char* addr_ = nullptr;
  uint64_t bytes_;
};

// The forked reader, reaped (killed first if still running) on destruction.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Waits for the child; true when it exited 0.
  bool reap() {
    int st = 0;
    pid_t r;
    while ((r = ::waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }

 private:
  pid_t pid_;
};

// The child: accept one connection, read everything into `buf` until EOF, send back the byte
// count, exit. Only system calls (no allocation): safe after fork() in a threaded parent.
[[noreturn]] void reader(int listen_fd, char* buf, uint64_t size) {
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  if (fd < 0) ::_exit(3);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buf, size, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      ::_exit(4);
    }
    total += static_cast<uint64_t>(n);
  }
  const char* p = reinterpret_cast<const char*>(&total);
  size_t left = sizeof total;
  while (left > 0) {
    const ssize_t n = ::send(fd, p, left, MSG_NOSIGNAL);
    if (n <= 0) ::_exit(5);
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::_exit(0);
}

}  // namespace

BaselinePoint measure_memcpy(uint64_t size, uint64_t dest_bytes, double seconds, uint64_t min_transfers) {
  if (size == 0 || size > dest_bytes)
    throw std::invalid_argument("memcpy baseline: size " + std::to_string(size) + " must be in [1, " +
                                std::to_string(dest_bytes) + "]");
  Mapping src(size);
  Mapping dst(dest_bytes);
  std::memset(src.data(), 0x5a, size);
  std::memset(dst.data(), 0, dest_bytes);  // warm: every page faulted in, like a warmed region
  const uint64_t slots = dest_bytes / size;
  BaselinePoint p;
  p.size_bytes = size;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t t0 = measure::now_ns();
  uint64_t now = t0;
  while (p.transfers < min_transfers || now - t0 < budget_ns) {
    std::memcpy(dst.data() + (p.transfers % slots) * size, src.data(), size);
    // Keep the compiler from treating the destination as dead.
    asm volatile("" : : "r"(dst.data()) : "memory");
    ++p.transfers;
    now = measure::now_ns();
  }
  p.seconds = static_cast<double>(now - t0) / 1e9;
  p.bytes = p.transfers * size;
  return p;
}

BaselinePoint measure_socket_stream(uint64_t size, double seconds, uint64_t min_transfers) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) throw os_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw os_error("bind 127.0.0.1:0");
  if (::listen(listener.get(), 1) != 0) throw os_error("listen");
  socklen_t len = sizeof addr;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) throw os_error("getsockname");

  Mapping recv_buf(size, /*shared=*/true);  // the child's buffer, faulted in here: no copy-on-write
  Mapping send_buf(size);
  std::memset(send_buf.data(), 0x5a, size);
  std::memset(recv_buf.data(), 0, size);

  const pid_t pid = ::fork();
  if (pid < 0) throw os_error("fork");
  if (pid == 0) reader(listener.get(), recv_buf.data(), size);
  Child child(pid);
  listener.reset();

  UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) throw os_error("socket");
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw os_error("connect to the reader on 127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  const int one = 1;
  ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  BaselinePoint p;
  p.size_bytes = size;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t t0 = measure::now_ns();
  while (p.transfers < min_transfers || measure::now_ns() - t0 < budget_ns) {
    uint64_t off = 0;
    while (off < size) {
      const ssize_t n = ::send(sock.get(), send_buf.data() + off, size - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw os_error("send");
      }
      off += static_cast<uint64_t>(n);
    }
    ++p.transfers;
  }
  if (::shutdown(sock.get(), SHUT_WR) != 0) throw os_error("shutdown");
  uint64_t total = 0;
  char* q = reinterpret_cast<char*>(&total);
  size_t left = sizeof total;
  while (left > 0) {
    const ssize_t n = ::recv(sock.get(), q, left, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("socket stream baseline: the reader did not report its byte count");
    q += n;
    left -= static_cast<size_t>(n);
  }
  const uint64_t t1 = measure::now_ns();
  p.bytes = p.transfers * size;
  p.seconds = static_cast<double>(t1 - t0) / 1e9;
  if (!child.reap()) throw std::runtime_error("socket stream baseline: the reader child failed");
  if (total != p.bytes)
    throw std::runtime_error("socket stream baseline: the reader got " + std::to_string(total) + " bytes of " +
                             std::to_string(p.bytes));
  return p;
}

}  // namespace rpbench::probe
