// StreamBuffers: N transfer buffers of a remote-memory engine (rdma-pingpong's ping-pong buffers, mempool-offload's
// staging buffers), in one mapping (buffer i at i * bytes_each), registered with a transport as one buffer. Private for
// a buffer set the fork child makes for itself (child-connect) or for a recovery; MAP_SHARED for the set the parent
// registers before any fork so that the child's fills are the parent's to post (parent-posts).
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/status_or.h"

namespace rpbench::remote {

class StreamBuffers {
 public:
  StreamBuffers() = default;
  // mmaps count * bytes_each (both > 0); `prefault` writes every page once (its time is returned
  // by prefault_us()). kResourceExhausted naming the size when the mapping fails.
  static StatusOr<StreamBuffers> create(int count, uint64_t bytes_each, bool shared, bool prefault);
  ~StreamBuffers();
  StreamBuffers(StreamBuffers&& o) noexcept;
  StreamBuffers& operator=(StreamBuffers&& o) noexcept;
  StreamBuffers(const StreamBuffers&) = delete;
  StreamBuffers& operator=(const StreamBuffers&) = delete;

  char* data() const { return data_; }
  char* buffer(int i) const { return data_ + static_cast<uint64_t>(i) * bytes_each_; }
  uint64_t offset(int i) const { return static_cast<uint64_t>(i) * bytes_each_; }
  int count() const { return count_; }
  uint64_t bytes_each() const { return bytes_each_; }
  size_t total_bytes() const { return static_cast<size_t>(count_) * bytes_each_; }
  bool shared() const { return shared_; }
  double prefault_us() const { return prefault_us_; }
  // Writes every page once (again): the pages are then resident and private to this process.
  void prefault();

 private:
  void release() noexcept;
  char* data_ = nullptr;
  int count_ = 0;
  uint64_t bytes_each_ = 0;
  bool shared_ = false;
  double prefault_us_ = 0;
};

}  // namespace rpbench::remote
