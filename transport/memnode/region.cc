#include "transport/memnode/region.h"
#include "base/errno_text.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rpbench::transport {

namespace {
std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + errno_text());
}
}  // namespace

Region::Region(uint32_t id, uint64_t bytes, bool prefault) : id_(id), bytes_(bytes) {
  if (bytes == 0) throw std::runtime_error("region " + std::to_string(id) + ": size must be > 0");
  std::string name = "rpbench-region-" + std::to_string(id);
  // Sealable: the memfd is handed to shm clients, and a client that could shrink it would make the
  // node's own accesses fault (SIGBUS). The size is sealed below.
  fd_.reset(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd_) throw sys_error("memfd_create(" + name + ")");
  if (::ftruncate(fd_.get(), static_cast<off_t>(bytes)) != 0)
    throw sys_error("region " + std::to_string(id) + ": ftruncate to " + std::to_string(bytes) + " bytes");
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) throw sys_error("region " + std::to_string(id) + ": mmap of " + std::to_string(bytes) + " bytes");
  data_ = static_cast<uint8_t*>(p);
  if (prefault) {
    // fallocate reserves the shmem pages (failing cleanly when memory is short, where touching
    // them would get the node killed); the writes then map every page into the node.
    auto t0 = std::chrono::steady_clock::now();
    if (::fallocate(fd_.get(), 0, 0, static_cast<off_t>(bytes)) != 0) {
      int err = errno;
      ::munmap(data_, bytes_);
      data_ = nullptr;
      errno = err;
      throw sys_error("region " + std::to_string(id) + ": pre-faulting " + std::to_string(bytes) + " bytes");
    }
    long page = ::sysconf(_SC_PAGESIZE);
    for (uint64_t off = 0; off < bytes; off += static_cast<uint64_t>(page)) data_[off] = 0;
    prefault_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    prefaulted_ = true;
  }
  if (::fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    int err = errno;
    ::munmap(data_, bytes_);
    data_ = nullptr;
    errno = err;
    throw sys_error("region " + std::to_string(id) + ": sealing its size");
  }
}

Region::~Region() {
  if (data_) ::munmap(data_, bytes_);
}

}  // namespace rpbench::transport
