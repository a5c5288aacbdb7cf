// PoolMapping: the memory pool's virtual range, reserved at a fixed address (mmap with
// MAP_FIXED_NOREPLACE | MAP_NORESERVE, private anonymous, touched lazily). If any part of the range
// is already mapped the reservation fails, naming the address and what holds it (from
// /proc/self/maps): it never maps over anything. Unmapped when the object goes.
#pragma once
#include <cstdint>

#include "base/status_or.h"

namespace rpbench::mempool {

class PoolMapping {
 public:
  PoolMapping() = default;
  // `base` and `bytes` multiples of 2 MiB, bytes > 0. kFailedPrecondition when the range is taken
  // (or the kernel put the mapping elsewhere), kResourceExhausted when mmap refuses the size.
  static StatusOr<PoolMapping> reserve(uint64_t base, uint64_t bytes);
  ~PoolMapping();
  PoolMapping(PoolMapping&& o) noexcept;
  PoolMapping& operator=(PoolMapping&& o) noexcept;
  PoolMapping(const PoolMapping&) = delete;
  PoolMapping& operator=(const PoolMapping&) = delete;

  char* data() const { return data_; }
  uint64_t bytes() const { return bytes_; }

  // madvise(MADV_HUGEPAGE) or (MADV_NOHUGEPAGE) over the range.
  Status advise_huge(bool huge);
  // Frees the pages of [data, data + len): they read as zero again (MADV_DONTNEED).
  Status discard(uint64_t len);
  // Faults in [data, data + len) writable before a bulk read fills it (MADV_POPULATE_WRITE, or a
  // write per page where the kernel lacks it). Returns the method used.
  StatusOr<const char*> populate(uint64_t len);

 private:
  PoolMapping(char* d, uint64_t n) : data_(d), bytes_(n) {}
  void release() noexcept;
  char* data_ = nullptr;
  uint64_t bytes_ = 0;
};

// "0x500000000000".
std::string hex_address(uint64_t a);

}  // namespace rpbench::mempool
