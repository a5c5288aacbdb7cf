#include "engines/mempool_offload/pool_mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>

#include "base/errno_text.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace rpbench::mempool {

namespace {

constexpr uint64_t kAlign = uint64_t{2} << 20;

// The first line of /proc/self/maps that overlaps [lo, hi), or "".
std::string mapping_over(uint64_t lo, uint64_t hi) {
  std::ifstream in("/proc/self/maps");
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long a = 0, b = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &a, &b) != 2) continue;
    if (a < hi && b > lo) return line;
  }
  return "";
}

}  // namespace

std::string hex_address(uint64_t a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, a);
  return buf;
}

StatusOr<PoolMapping> PoolMapping::reserve(uint64_t base, uint64_t bytes) {
  if (bytes == 0 || bytes % kAlign != 0 || base % kAlign != 0 || base == 0)
    return Status::InvalidArgument("the pool's base " + hex_address(base) + " and size " + std::to_string(bytes) +
                                   " must be non-zero multiples of 2 MiB");
  if (base + bytes < base)
    return Status::InvalidArgument("the pool [" + hex_address(base) + ", +" + std::to_string(bytes) + ") wraps around");
  std::string range = "[";
  range += hex_address(base);
  range += ", ";
  range += hex_address(base + bytes);
  range += ")";
  void* want = reinterpret_cast<void*>(base);
  void* p = ::mmap(want, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    if (e == EEXIST) {
      std::string msg = "the pool's range " + range + " is already mapped in this process";
      if (const std::string holder = mapping_over(base, base + bytes); !holder.empty()) {
        msg += " (by \"";
        msg += holder;
        msg += "\")";
      }
      msg += ": choose another engine.pool_base";
      return Status::FailedPrecondition(msg);
    }
    return Status::ResourceExhausted("reserving the pool's range " + range + ": " + errno_text(e));
  }
  if (p != want) {  // a kernel before 4.17 ignores MAP_FIXED_NOREPLACE and takes the address as a hint
    ::munmap(p, bytes);
    return Status::FailedPrecondition("the kernel did not place the pool at " + hex_address(base) + " (the range " +
                                      range + " is taken, or MAP_FIXED_NOREPLACE is unsupported)");
  }
  return PoolMapping(static_cast<char*>(p), bytes);
}

PoolMapping::~PoolMapping() { release(); }

PoolMapping::PoolMapping(PoolMapping&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

PoolMapping& PoolMapping::operator=(PoolMapping&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

void PoolMapping::release() noexcept {
  if (data_ != nullptr) ::munmap(data_, bytes_);
  data_ = nullptr;
  bytes_ = 0;
}

Status PoolMapping::advise_huge(bool huge) {
  if (::madvise(data_, bytes_, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
    return errno_status(huge ? "madvise(MADV_HUGEPAGE) on the pool" : "madvise(MADV_NOHUGEPAGE) on the pool");
  return Status::Ok();
}

Status PoolMapping::discard(uint64_t len) {
  len = std::min(bytes_, (len + 4095) & ~uint64_t{4095});
  if (len > 0 && ::madvise(data_, len, MADV_DONTNEED) != 0) return errno_status("madvise(MADV_DONTNEED) on the pool");
  return Status::Ok();
}

StatusOr<const char*> PoolMapping::populate(uint64_t len) {
  len = std::min(bytes_, (len + 4095) & ~uint64_t{4095});
  if (len == 0) return "none";
  if (::madvise(data_, len, MADV_POPULATE_WRITE) == 0) return "MADV_POPULATE_WRITE";
  if (errno != EINVAL) return errno_status("madvise(MADV_POPULATE_WRITE) on the pool");
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  volatile char* v = data_;
  for (uint64_t off = 0; off < len; off += page) v[off] = v[off];
  return "a write per page";
}

}  // namespace rpbench::mempool
