// Region: one of the memory node's regions. A memfd of `bytes`, mapped MAP_SHARED in the node,
// so the shm transport can map the same pages in a client (the memfd is passed over a unix
// socket) and the verbs listener can register them. Pages are allocated lazily by default, or
// pre-faulted at creation (every page written once), which the node reports in its ready line.
#pragma once
#include <cstdint>

#include "base/unique_fd.h"

namespace rpbench::transport {

class Region {
 public:
  // Throws std::runtime_error (with errno text) when the memfd or the mapping cannot be made.
  Region(uint32_t id, uint64_t bytes, bool prefault);
  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  uint32_t id() const { return id_; }
  uint64_t bytes() const { return bytes_; }
  uint8_t* data() const { return data_; }
  int memfd() const { return fd_.get(); }
  bool prefaulted() const { return prefaulted_; }
  double prefault_ms() const { return prefault_ms_; }

 private:
  uint32_t id_;
  uint64_t bytes_;
  UniqueFd fd_;
  uint8_t* data_ = nullptr;
  bool prefaulted_ = false;
  double prefault_ms_ = 0;
};

}  // namespace rpbench::transport
