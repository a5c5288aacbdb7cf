#include "transport/memnode/region.h"
#include "base/errno_text.h"
#include "base/meminfo.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace rpbench::transport {

Region::Region(uint32_t id, uint64_t bytes)
    : id_(id), bytes_(bytes), reserved_((bytes + kReserveBlock * 64 - 1) / (kReserveBlock * 64)) {}

StatusOr<std::unique_ptr<Region>> Region::create(uint32_t id, uint64_t bytes, bool prefault,
                                                 const std::string& backing_file) {
  if (bytes == 0) return Status::InvalidArgument("region " + std::to_string(id) + ": size must be > 0");
  std::unique_ptr<Region> r(new Region(id, bytes));
  if (Status s = r->open(prefault, backing_file); !s.ok()) return s;  // ~Region unmaps what was mapped
  return r;
}

Status Region::open(bool prefault, const std::string& backing_file) {
  const std::string region = "region " + std::to_string(id_);
  if (!backing_file.empty()) {
    fd_.reset(::open(backing_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_) return errno_status(region + ": cannot open its backing file " + backing_file);
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return errno_status(region + ": fstat " + backing_file);
    if (st.st_size != 0 && static_cast<uint64_t>(st.st_size) != bytes_)
      return Status::InvalidArgument(region + ": its backing file " + backing_file + " holds " +
                                     std::to_string(st.st_size) + " bytes, not the " + std::to_string(bytes_) +
                                     " asked for (--region-bytes): refusing to resize someone's region");
    file_backed_ = true;
  } else {
    // Sealable: the memfd is handed to shm clients, and a client that could shrink it would make
    // the node's own accesses fault (SIGBUS). The size is sealed below.
    const std::string name = "rpbench-region-" + std::to_string(id_);
    fd_.reset(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd_) return errno_status("memfd_create(" + name + ")");
  }
  if (::ftruncate(fd_.get(), static_cast<off_t>(bytes_)) != 0)
    return errno_status(region + ": ftruncate to " + std::to_string(bytes_) + " bytes");
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) return errno_status(region + ": mmap of " + std::to_string(bytes_) + " bytes");
  data_ = static_cast<uint8_t*>(p);
  if (prefault) {
    // fallocate reserves the shmem pages (failing cleanly when memory is short, where touching
    // them would get the node killed); the writes then map every page into the node.
    auto t0 = std::chrono::steady_clock::now();
    if (::fallocate(fd_.get(), 0, 0, static_cast<off_t>(bytes_)) != 0)
      return errno_status(region + ": pre-faulting " + std::to_string(bytes_) + " bytes");
    const long page = ::sysconf(_SC_PAGESIZE);
    for (uint64_t off = 0; off < bytes_; off += static_cast<uint64_t>(page)) data_[off] = 0;
    prefault_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    prefaulted_ = true;
  }
  if (!file_backed_ && ::fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return errno_status(region + ": sealing its size");
  return Status::Ok();
}

Status Region::reserve(uint64_t offset, uint64_t len) {
  if (prefaulted_ || len == 0) return Status::Ok();
  const uint64_t first = offset / kReserveBlock, last = (offset + len - 1) / kReserveBlock;
  const std::string where = "the memory node cannot back a write at offset " + std::to_string(offset) + " of region " +
                            std::to_string(id_) + ": ";
  for (uint64_t b = first; b <= last; ++b) {
    std::atomic<uint64_t>& word = reserved_[b / 64];
    const uint64_t bit = uint64_t{1} << (b % 64);
    if (word.load(std::memory_order_acquire) & bit) continue;
    // A block nobody wrote yet: only when the machine can still give it (with a margin for
    // everyone else), and then reserved at once, so the write's faults cannot fail.
    const uint64_t begin = b * kReserveBlock, end = std::min(bytes_, begin + kReserveBlock);
    const std::optional<int64_t> avail = mem_available_bytes();
    if (avail && *avail < static_cast<int64_t>(end - begin + kMemoryMargin))
      return Status::ResourceExhausted(where + "the machine has " + std::to_string(*avail >> 20) +
                                       " MiB available, and the node keeps " + std::to_string(kMemoryMargin >> 20) +
                                       " MiB for everyone else");
    if (::fallocate(fd_.get(), 0, static_cast<off_t>(begin), static_cast<off_t>(end - begin)) != 0 &&
        errno != EOPNOTSUPP)  // a file system without fallocate: pages come on first write
      return errno_status(where + "fallocate");
    word.fetch_or(bit, std::memory_order_acq_rel);
  }
  return Status::Ok();
}

Region::~Region() {
  if (data_) ::munmap(data_, bytes_);
}

}  // namespace rpbench::transport
