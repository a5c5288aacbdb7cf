#include "harness/probe/probe_transport_baseline.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "base/child_process.h"
#include "base/errno_text.h"
#include "base/unique_fd.h"
#include "measure/clock.h"

namespace rpbench::probe {
namespace {

Status os_error(const std::string& what) { return errno_status("socket stream baseline: " + what); }

// An anonymous mapping (MAP_SHARED when a forked child writes into it: no copy-on-write faults),
// unmapped on destruction.
class Mapping {
 public:
  static StatusOr<std::unique_ptr<Mapping>> map(uint64_t bytes, bool shared = false) {
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return errno_status("baseline: mmap of " + std::to_string(bytes) + " bytes");
    return std::unique_ptr<Mapping>(new Mapping(static_cast<char*>(p), bytes));
  }
  ~Mapping() { ::munmap(addr_, bytes_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  char* data() const { return addr_; }

 private:
  Mapping(char* addr, uint64_t bytes) : addr_(addr), bytes_(bytes) {}
  char* addr_;
  uint64_t bytes_;
};

Status check_shape(const BaselineShape& s, const char* which) {
  if (s.size == 0 || s.source_slots == 0 || s.size > s.dest_bytes)
    return Status::InvalidArgument(std::string(which) + " baseline: size " + std::to_string(s.size) +
                                   " must be in [1, " + std::to_string(s.dest_bytes) + "] and source slots " +
                                   std::to_string(s.source_slots) + " at least 1");
  return Status::Ok();
}

// The sender's side of the stream: one connection to the reader listening at `addr`.
StatusOr<UniqueFd> connect_to_reader(const sockaddr_in& addr) {
  UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock) return os_error("socket");
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return os_error("connect to the reader on 127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  const int one = 1;
  ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return sock;
}

// A listening loopback socket on a free port (its address in *addr).
StatusOr<UniqueFd> listen_loopback(sockaddr_in* addr) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) return os_error("socket");
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr->sin_port = 0;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(addr), sizeof *addr) != 0) return os_error("bind 127.0.0.1:0");
  if (::listen(listener.get(), 1) != 0) return os_error("listen");
  socklen_t len = sizeof *addr;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(addr), &len) != 0) return os_error("getsockname");
  return listener;
}

// The child: accept one connection, fault in its view of `dest` (fork does not copy the page
// tables of a shared mapping: untouched, every first write to a page would fault, which the node's
// warmed region does not), send one byte to say it is ready, read everything until EOF, message by
// message into rotating `size`-byte slots of `dest` (`slots` of them), send back the byte count,
// exit. Only system calls and stores (no allocation): safe after fork() in a threaded parent.
[[noreturn]] void reader(int listen_fd, char* dest, uint64_t size, uint64_t slots) {
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  if (fd < 0) ::_exit(3);
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  for (uint64_t off = 0; off < size * slots; off += page) static_cast<volatile char*>(dest)[off] = 0;
  const char ready = 1;
  if (::send(fd, &ready, 1, MSG_NOSIGNAL) != 1) ::_exit(6);
  uint64_t total = 0;
  for (;;) {
    const uint64_t in_message = total % size;
    char* slot = dest + ((total / size) % slots) * size;
    const ssize_t n = ::recv(fd, slot + in_message, size - in_message, 0);
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

StatusOr<BaselinePoint> measure_memcpy(const BaselineShape& shape, double seconds, uint64_t min_transfers) {
  if (Status s = check_shape(shape, "memcpy"); !s.ok()) return s;
  const uint64_t size = shape.size;
  StatusOr<std::unique_ptr<Mapping>> src_map = Mapping::map(size * shape.source_slots);
  if (!src_map.ok()) return src_map.status();
  StatusOr<std::unique_ptr<Mapping>> dst_map = Mapping::map(shape.dest_bytes);
  if (!dst_map.ok()) return dst_map.status();
  const Mapping& src = **src_map;
  const Mapping& dst = **dst_map;
  std::memset(src.data(), 0x5a, size * shape.source_slots);
  std::memset(dst.data(), 0, shape.dest_bytes);  // warm: every page faulted in, like a warmed region
  const uint64_t slots = shape.dest_bytes / size;
  BaselinePoint p;
  p.size_bytes = size;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  // The clock is read once per MiB copied, not per copy: at 4 KiB a clock read would be a
  // noticeable share of the copy and bias the baseline down.
  const uint64_t copies_per_check = std::max<uint64_t>(1, (1 << 20) / size);
  const uint64_t t0 = measure::now_ns();
  uint64_t now = t0;
  while (p.transfers < min_transfers || now - t0 < budget_ns) {
    for (uint64_t k = 0; k < copies_per_check; ++k) {
      std::memcpy(dst.data() + (p.transfers % slots) * size, src.data() + (p.transfers % shape.source_slots) * size,
                  size);
      // Keep the compiler from treating the destination as dead.
      asm volatile("" : : "r"(dst.data()) : "memory");
      ++p.transfers;
    }
    now = measure::now_ns();
  }
  p.seconds = static_cast<double>(now - t0) / 1e9;
  p.bytes = p.transfers * size;
  return p;
}

StatusOr<BaselinePoint> measure_socket_stream(const BaselineShape& shape, double seconds, uint64_t min_transfers) {
  if (Status s = check_shape(shape, "socket stream"); !s.ok()) return s;
  const uint64_t size = shape.size;
  const uint64_t per_send = shape.send_bytes == 0 ? size : shape.send_bytes;
  sockaddr_in addr{};
  StatusOr<UniqueFd> listener = listen_loopback(&addr);
  if (!listener.ok()) return listener.status();

  // The child's destination, faulted in here (warm, and shared: no copy-on-write faults).
  StatusOr<std::unique_ptr<Mapping>> recv_map = Mapping::map(shape.dest_bytes, /*shared=*/true);
  if (!recv_map.ok()) return recv_map.status();
  StatusOr<std::unique_ptr<Mapping>> send_map = Mapping::map(size * shape.source_slots);
  if (!send_map.ok()) return send_map.status();
  const Mapping& recv_buf = **recv_map;
  const Mapping& send_buf = **send_map;
  std::memset(send_buf.data(), 0x5a, size * shape.source_slots);
  std::memset(recv_buf.data(), 0, shape.dest_bytes);

  // The reader (killed and reaped when `child` goes, if it is still running).
  const int listen_fd = listener->get();
  StatusOr<ChildProcess> forked =
      ChildProcess::fork([&]() -> int { reader(listen_fd, recv_buf.data(), size, shape.dest_bytes / size); }, SIGKILL);
  if (!forked.ok()) return forked.status().with_context("socket stream baseline: ");
  ChildProcess child = std::move(*forked);
  listener->reset();

  StatusOr<UniqueFd> connected = connect_to_reader(addr);
  if (!connected.ok()) return connected.status();
  const UniqueFd& sock = *connected;
  char ready = 0;
  for (;;) {  // the clock starts once the reader is ready
    const ssize_t n = ::recv(sock.get(), &ready, 1, 0);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return Status::Unavailable("socket stream baseline: the reader did not get ready");
  }

  BaselinePoint p;
  p.size_bytes = size;
  const uint64_t budget_ns = static_cast<uint64_t>(seconds * 1e9);
  const uint64_t t0 = measure::now_ns();
  while (p.transfers < min_transfers || measure::now_ns() - t0 < budget_ns) {
    const char* msg = send_buf.data() + (p.transfers % shape.source_slots) * size;
    uint64_t off = 0;
    while (off < size) {
      const ssize_t n = ::send(sock.get(), msg + off, std::min(size - off, per_send), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return os_error("send");
      }
      off += static_cast<uint64_t>(n);
    }
    ++p.transfers;
  }
  if (::shutdown(sock.get(), SHUT_WR) != 0) return os_error("shutdown");
  uint64_t total = 0;
  char* q = reinterpret_cast<char*>(&total);
  size_t left = sizeof total;
  while (left > 0) {
    const ssize_t n = ::recv(sock.get(), q, left, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("socket stream baseline: the reader did not report its byte count");
    q += n;
    left -= static_cast<size_t>(n);
  }
  const uint64_t t1 = measure::now_ns();
  p.bytes = p.transfers * size;
  p.seconds = static_cast<double>(t1 - t0) / 1e9;
  if (const int st = child.wait(); !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
    return Status::Internal("socket stream baseline: the reader child " + describe_wait_status(st));
  if (total != p.bytes)
    return Status::Internal("socket stream baseline: the reader got " + std::to_string(total) + " bytes of " +
                            std::to_string(p.bytes));
  return p;
}

}  // namespace rpbench::probe
