// RAII owner of an anonymous private memory mapping (mmap / munmap), optionally aligned (e.g. to
// 2 MiB so that transparent huge pages can back it), with the page-level helpers the probes need.
#pragma once
#include <cstddef>
#include <cstdint>

#include "base/status_or.h"

namespace rpbench::measure {

class AnonMapping {
 public:
  AnonMapping() = default;  // maps nothing
  // Maps `bytes` (> 0) of anonymous private read-write memory. alignment: 0 or a power of two
  // multiple of the page size. extra_flags are OR'ed into MAP_PRIVATE | MAP_ANONYMOUS (e.g.
  // MAP_POPULATE). kInvalidArgument for a zero size or a bad alignment; kResourceExhausted naming
  // the size and errno when mmap fails.
  static StatusOr<AnonMapping> map(size_t bytes, size_t alignment = 0, int extra_flags = 0);
  ~AnonMapping();
  AnonMapping(AnonMapping&& o) noexcept;
  AnonMapping& operator=(AnonMapping&& o) noexcept;
  AnonMapping(const AnonMapping&) = delete;
  AnonMapping& operator=(const AnonMapping&) = delete;

  unsigned char* data() const { return data_; }
  size_t size() const { return size_; }

  // madvise(advice) over the whole mapping; the errno's Status (naming the advice) on failure.
  Status advise(int advice);
  // Writes one byte in every `stride`-byte step (stride > 0), so each page gets faulted in.
  void touch(size_t stride);

 private:
  void release() noexcept;
  unsigned char* data_ = nullptr;
  size_t size_ = 0;
};

// The system page size (sysconf(_SC_PAGESIZE)).
size_t page_size();

// The PMD-level transparent huge page size (2 MiB on x86-64).
inline constexpr size_t kHugePageSize = size_t{2} << 20;

}  // namespace rpbench::measure
