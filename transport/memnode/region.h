// Region: one of the memory node's regions. A memfd of `bytes`, mapped MAP_SHARED in the node,
// so the shm transport can map the same pages in a client (the memfd is passed over a unix
// socket) and the verbs listener can register them. Pages are allocated lazily by default, or
// pre-faulted at creation (every page written once), which the node reports in its ready line.
//
// With a backing file (--region-dir), the region is that file instead (created at `bytes`, or
// reused when it already has exactly that size): a node started again on the same directory holds
// the same bytes, so remote snapshots outlive a node that was killed. Put the directory on tmpfs
// (/dev/shm) to keep the region in memory. Unlike a memfd, a file's size cannot be sealed: an shm
// client holding the descriptor could truncate it (and make the node fault), so use file-backed
// regions with trusted clients only.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "base/unique_fd.h"

namespace rpbench::transport {

class Region {
 public:
  // The region, or the failed system call's Status (naming the region, the file and the errno)
  // when the memfd (or the backing file) or the mapping cannot be made; kInvalidArgument for a
  // zero size or a backing file of another size. `backing_file` empty: a memfd.
  static StatusOr<std::unique_ptr<Region>> create(uint32_t id, uint64_t bytes, bool prefault,
                                                  const std::string& backing_file = "");
  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  uint32_t id() const { return id_; }
  uint64_t bytes() const { return bytes_; }
  uint8_t* data() const { return data_; }
  int memfd() const { return fd_.get(); }
  bool prefaulted() const { return prefaulted_; }
  bool file_backed() const { return file_backed_; }
  // Makes sure the pages of [offset, offset + len) exist before a client's tcp write lands there:
  // a lazy region's blocks (kReserveBlock) are reserved with fallocate on their first write, and
  // only while MemAvailable stays above kMemoryMargin, so a node short of memory refuses the write
  // (that client's transfer fails) instead of faulting pages the machine cannot give and getting
  // itself, or another process, killed. Ok when the pages exist, else kResourceExhausted (or the
  // fallocate's errno Status) saying why not. Thread-safe.
  // (shm clients write through their own mapping and verbs writes land in registered, hence
  // already allocated, pages: neither passes here.)
  Status reserve(uint64_t offset, uint64_t len);
  static constexpr uint64_t kReserveBlock = 2ull << 20;
  static constexpr uint64_t kMemoryMargin = 256ull << 20;
  double prefault_ms() const { return prefault_ms_; }

 private:
  Region(uint32_t id, uint64_t bytes);
  Status open(bool prefault, const std::string& backing_file);

  uint32_t id_;
  uint64_t bytes_;
  UniqueFd fd_;
  uint8_t* data_ = nullptr;
  bool prefaulted_ = false;
  bool file_backed_ = false;
  std::vector<std::atomic<uint64_t>> reserved_;  // one bit per kReserveBlock already reserved
  double prefault_ms_ = 0;
};

}  // namespace rpbench::transport
