// Helpers of the transport tests: taking a value the test needs out of a StatusOr (or a hello), byte patterns,
// a buffer owned by the test, draining a transport's completions, and sockets where nothing serves
// (a TCP port bound but not listening, a unix socket path with nothing behind it, or listening and
// never accepting).
#pragma once
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "transport/protocol.h"
#include "transport/transport.h"

namespace rpbench::transport::testing {

// The value of a StatusOr a test needs (a failure throws: gtest reports it with the message).
template <class T>
T value_or_throw(StatusOr<T> v) {
  if (!v.ok()) throw std::runtime_error(v.status().to_string());
  return std::move(*v);
}

// A hello the test needs (a bad token throws).
inline protocol::Hello must_hello(uint32_t region, std::string_view token, uint16_t flags = 0) {
  return value_or_throw(protocol::make_hello(region, token, flags));
}

// Byte i of a pattern: depends on the seed and on the position, so shifted copies differ.
inline uint8_t pattern_byte(uint64_t i, uint32_t seed) {
  uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ (static_cast<uint64_t>(seed) << 32 | seed);
  x ^= x >> 29;
  return static_cast<uint8_t>(x ^ (x >> 8));
}
inline void fill_pattern(uint8_t* p, uint64_t n, uint32_t seed) {
  for (uint64_t i = 0; i < n; ++i) p[i] = pattern_byte(i, seed);
}
// Index of the first byte that differs from the pattern, or n.
inline uint64_t first_mismatch(const uint8_t* p, uint64_t n, uint32_t seed) {
  for (uint64_t i = 0; i < n; ++i)
    if (p[i] != pattern_byte(i, seed)) return i;
  return n;
}

// An anonymous mapping (MAP_SHARED when asked: visible to a forked child and its parent).
class TestBuffer {
 public:
  explicit TestBuffer(size_t bytes, bool shared = false) : bytes_(bytes) {
    void* p =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of a test buffer failed");
    data_ = static_cast<uint8_t*>(p);
  }
  ~TestBuffer() { ::munmap(data_, bytes_); }
  TestBuffer(const TestBuffer&) = delete;
  TestBuffer& operator=(const TestBuffer&) = delete;
  uint8_t* data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  uint8_t* data_;
  size_t bytes_;
};

// Waits until `t` has no transfer pending (or `timeout`), returning every completion seen.
inline std::vector<Completion> drain(Transport& t, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::vector<Completion> all;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<Completion, 16> batch;
  while (t.pending() > 0 && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    size_t n = t.wait(batch, std::max(left, std::chrono::milliseconds(1)));
    for (size_t i = 0; i < n; ++i) all.push_back(batch[i]);
  }
  return all;
}

// A TCP socket bound to a free loopback port; listening only when asked (and then never accepting).
struct TcpPort {
  UniqueFd fd;
  std::string endpoint;
  explicit TcpPort(bool listen) : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof(a);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    endpoint = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    if (listen && ::listen(fd.get(), 16) != 0) throw std::runtime_error("listen");
  }
};

// A unix socket path in a fresh directory; listening (never accepting) when asked.
struct UnixPath {
  std::string dir;
  std::string path;
  UniqueFd fd;
  explicit UnixPath(bool listen) {
    char tmpl[] = "/tmp/rpbench-transport-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    path = dir + "/sock";
    if (!listen) return;
    fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.c_str(), path.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) throw std::runtime_error("bind");
    if (::listen(fd.get(), 16) != 0) throw std::runtime_error("listen");
  }
  ~UnixPath() {
    fd.reset();
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
  UnixPath(const UnixPath&) = delete;
  UnixPath& operator=(const UnixPath&) = delete;
};

}  // namespace rpbench::transport::testing
