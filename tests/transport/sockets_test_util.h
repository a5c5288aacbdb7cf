// Helpers of the shm and tcp transport tests: a real rpbench-memnode started through MemnodeProcess,
// connecting either transport to it, byte patterns, and a buffer owned by the test.
#pragma once
#include <signal.h>
#include <sys/mman.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/token.h"
#include "transport/memnode_process.h"
#include "transport/options.h"
#include "transport/socket_transports.h"
#include "transport/transport.h"

namespace rpbench::transport::testing {

enum class Kind { kShm, kTcp };

inline std::string kind_name(Kind k) { return k == Kind::kShm ? "shm" : "tcp"; }
inline void PrintTo(Kind k, std::ostream* os) { *os << kind_name(k); }
inline std::string kind_param_name(const ::testing::TestParamInfo<Kind>& info) { return kind_name(info.param); }

// The value of a StatusOr a test needs (a failure throws: gtest reports it with the message).
template <class T>
T value_or_throw(StatusOr<T> v) {
  if (!v.ok()) throw std::runtime_error(v.status().to_string());
  return std::move(*v);
}

// A memory node of its own for one test, serving tcp and shm.
class TestNode {
 public:
  explicit TestNode(uint64_t region_bytes, uint32_t regions = 1) : token_(value_or_throw(random_token())) {
    MemnodeLaunch l;
    l.binary = RPBENCH_MEMNODE_BINARY;
    l.token = token_;
    l.region_bytes = region_bytes;
    l.regions = regions;
    l.shm = true;
    l.ready_timeout_ms = 10000;
    process_ = value_or_throw(MemnodeProcess::start(l));
  }
  MemnodeProcess& process() { return *process_; }
  const std::string& token() const { return token_; }
  std::string endpoint(Kind k) const {
    return k == Kind::kShm ? process_->endpoints().unix : process_->endpoints().tcp;
  }
  TransportOptions options(Kind k, int channels = 1, uint64_t chunk_bytes = 1 << 20, int queue_depth = 64) const {
    TransportOptions o;
    o.type = kind_name(k);
    o.memnode = endpoint(k);
    o.channels = channels;
    o.chunk_bytes = chunk_bytes;
    o.queue_depth = queue_depth;
    o.token = token_;
    o.connect_timeout_ms = 5000;
    return o;
  }
  StatusOr<std::unique_ptr<Transport>> try_connect(Kind k, const TransportOptions& o) const {
    return k == Kind::kShm ? connect_shm(o, endpoint(k)) : connect_tcp(o, endpoint(k));
  }
  std::unique_ptr<Transport> connect(Kind k, const TransportOptions& o) const {
    return value_or_throw(try_connect(k, o));
  }
  std::unique_ptr<Transport> connect(Kind k, int channels = 1, uint64_t chunk_bytes = 1 << 20,
                                     int queue_depth = 64) const {
    return connect(k, options(k, channels, chunk_bytes, queue_depth));
  }
  // SIGKILL (or another signal), then reap: when this returns the node's sockets are closed.
  void kill_and_reap(int sig) {
    ::kill(process_->pid(), sig);
    (void)process_->stop();
  }

 private:
  std::string token_;
  std::unique_ptr<MemnodeProcess> process_;
};

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
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
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

}  // namespace rpbench::transport::testing
