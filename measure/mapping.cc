#include "measure/mapping.h"
#include "base/errno_text.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace rpbench::measure {

size_t page_size() {
  const long p = ::sysconf(_SC_PAGESIZE);
  return p > 0 ? static_cast<size_t>(p) : 4096;
}

StatusOr<AnonMapping> AnonMapping::map(size_t bytes, size_t alignment, int extra_flags) {
  if (bytes == 0) return Status::InvalidArgument("AnonMapping: size must be > 0");
  const size_t page = page_size();
  if (alignment != 0 && ((alignment & (alignment - 1)) != 0 || alignment % page != 0)) {
    return Status::InvalidArgument("AnonMapping: alignment " + std::to_string(alignment) +
                                   " is not a power-of-two multiple of the page size");
  }
  const size_t len = (bytes + page - 1) / page * page;
  const size_t slack = alignment > page ? alignment : 0;
  void* p = ::mmap(nullptr, len + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
  if (p == MAP_FAILED) {
    return Status::ResourceExhausted("mmap of " + std::to_string(len + slack) + " bytes failed: " + errno_text());
  }
  auto* base = static_cast<unsigned char*>(p);
  unsigned char* start = base;
  if (slack != 0) {
    const auto addr = reinterpret_cast<uintptr_t>(base);
    start = base + ((alignment - addr % alignment) % alignment);
    if (start > base) ::munmap(base, static_cast<size_t>(start - base));
    unsigned char* end = start + len;
    unsigned char* map_end = base + len + slack;
    if (map_end > end) ::munmap(end, static_cast<size_t>(map_end - end));
  }
  AnonMapping m;
  m.data_ = start;
  m.size_ = len;
  return m;
}

AnonMapping::~AnonMapping() { release(); }

AnonMapping::AnonMapping(AnonMapping&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}

AnonMapping& AnonMapping::operator=(AnonMapping&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

void AnonMapping::release() noexcept {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

Status AnonMapping::advise(int advice) {
  if (::madvise(data_, size_, advice) != 0) {
    return errno_status("madvise(" + std::to_string(advice) + ") on " + std::to_string(size_) + " bytes");
  }
  return Status::Ok();
}

void AnonMapping::touch(size_t stride) {
  if (stride == 0) throw std::invalid_argument("AnonMapping::touch: stride must be > 0");
  volatile unsigned char* p = data_;
  for (size_t off = 0; off < size_; off += stride) p[off] = 1;
}

}  // namespace rpbench::measure
