#include "engines/rdb/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/errno_text.h"

namespace rpbench::rdb {

StatusOr<FileSource> FileSource::open(const std::string& path, size_t buffer_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    return errno_status(path + ": cannot open", err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    return errno_status(path + ": cannot stat", err);
  }
  return FileSource(path, std::move(fd), static_cast<uint64_t>(st.st_size), std::max<size_t>(buffer_bytes, 1));
}

Status FileSource::next(std::span<const char>* chunk) {
  const size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), size_ - read_));
  *chunk = {};
  if (want == 0) return Status::Ok();
  for (;;) {
    const ssize_t r = ::read(fd_.get(), buf_.data(), want);
    if (r >= 0) {
      read_ += static_cast<uint64_t>(r);
      *chunk = std::span<const char>(buf_.data(), static_cast<size_t>(r));
      return Status::Ok();
    }
    const int err = errno;
    if (err != EINTR) return errno_status("read failed", err);
  }
}

}  // namespace rpbench::rdb
