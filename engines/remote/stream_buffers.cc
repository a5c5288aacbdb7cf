#include "engines/remote/stream_buffers.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/errno_text.h"
#include "measure/clock.h"

namespace rpbench::remote {

StatusOr<StreamBuffers> StreamBuffers::create(int count, uint64_t bytes_each, bool shared, bool prefault) {
  if (count <= 0 || bytes_each == 0)
    return Status::InvalidArgument("stream buffers: need at least one buffer of at least one byte");
  StreamBuffers b;
  const size_t total = static_cast<size_t>(count) * bytes_each;
  void* p = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return Status::ResourceExhausted("stream buffers: mmap of " + std::to_string(count) + " x " +
                                     std::to_string(bytes_each) + " bytes: " + errno_text(errno));
  b.data_ = static_cast<char*>(p);
  b.count_ = count;
  b.bytes_each_ = bytes_each;
  b.shared_ = shared;
  if (prefault) b.prefault();
  return b;
}

void StreamBuffers::prefault() {
  const uint64_t t0 = measure::now_ns();
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  for (size_t off = 0; off < total_bytes(); off += page) data_[off] = 0;
  prefault_us_ = static_cast<double>(measure::now_ns() - t0) / 1e3;
}

StreamBuffers::~StreamBuffers() { release(); }

StreamBuffers::StreamBuffers(StreamBuffers&& o) noexcept { *this = std::move(o); }

StreamBuffers& StreamBuffers::operator=(StreamBuffers&& o) noexcept {
  if (this != &o) {
    release();
    data_ = std::exchange(o.data_, nullptr);
    count_ = std::exchange(o.count_, 0);
    bytes_each_ = std::exchange(o.bytes_each_, 0);
    shared_ = o.shared_;
    prefault_us_ = o.prefault_us_;
  }
  return *this;
}

void StreamBuffers::release() noexcept {
  if (data_ != nullptr) ::munmap(data_, total_bytes());
  data_ = nullptr;
}

}  // namespace rpbench::remote
