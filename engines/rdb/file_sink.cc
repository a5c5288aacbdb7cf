#include "engines/rdb/file_sink.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "base/errno_text.h"

namespace rpbench::rdb {

void FileSink::Unmap::operator()(char* p) const {
  if (p != nullptr) ::munmap(p, bytes);
}

StatusOr<FileSink> FileSink::create(const std::string& tmp_path, const std::string& final_path,
                                    const FileSinkOptions& opt) {
  UniqueFd fd(::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    const int err = errno;
    return errno_status(tmp_path + ": cannot create", err);
  }
  TempPathGuard created(tmp_path);  // until the sink owns the file
  const size_t cap = opt.buffer_bytes < kMinBufferBytes ? kMinBufferBytes : opt.buffer_bytes;
  void* p = ::mmap(nullptr, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    return errno_status(tmp_path + ": cannot map a write buffer of " + std::to_string(cap) + " bytes", err);
  }
  Buffer buf(static_cast<char*>(p), Unmap{cap});
  created.release();
  return FileSink(tmp_path, final_path, opt, std::move(fd), std::move(buf));
}

FileSink::FileSink(std::string tmp_path, std::string final_path, const FileSinkOptions& opt, UniqueFd fd, Buffer buf)
    : tmp_path_(std::move(tmp_path)),
      final_path_(std::move(final_path)),
      fsync_(opt.fsync),
      fd_(std::move(fd)),
      temp_(tmp_path_),
      buf_(std::move(buf)),
      cap_(buf_.get_deleter().bytes) {}

Status FileSink::fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
  return status_;
}

Status FileSink::reserve(std::span<char>* window) {
  if (!status_.ok()) return status_;
  if (finished_) return fail(Status::FailedPrecondition(tmp_path_ + ": reserve after finish"));
  if (used_ == cap_) {  // not reached through commit(), which writes a full buffer at once
    if (Status s = write_buffer(); !s.ok()) return s;
  }
  lent_ = cap_ - used_;
  *window = std::span<char>(buf_.get() + used_, lent_);
  return Status::Ok();
}

Status FileSink::commit(size_t n) {
  if (!status_.ok()) return status_;
  if (n > lent_) {
    return fail(Status::Internal(tmp_path_ + ": commit of " + std::to_string(n) + " bytes into a window of " +
                                 std::to_string(lent_)));
  }
  lent_ = 0;
  used_ += n;
  return used_ == cap_ ? write_buffer() : Status::Ok();
}

Status FileSink::flush() {
  if (!status_.ok()) return status_;
  lent_ = 0;
  return write_buffer();
}

Status FileSink::write_buffer() {
  const char* p = buf_.get();
  size_t n = used_;
  while (n > 0) {
    const ssize_t w = ::write(fd_.get(), p, n);
    if (w < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      return fail(errno_status(tmp_path_ + ": write at offset " + std::to_string(written_) + " failed", err));
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += w;
  }
  used_ = 0;
  return Status::Ok();
}

Status FileSink::finish() {
  if (!status_.ok()) return status_;
  if (finished_) return fail(Status::FailedPrecondition(tmp_path_ + ": finished twice"));
  lent_ = 0;
  if (Status s = write_buffer(); !s.ok()) return s;
  if (fsync_ && ::fsync(fd_.get()) != 0) {
    const int err = errno;
    return fail(errno_status(tmp_path_ + ": fsync failed", err));
  }
  if (Status s = close_and_rename(); !s.ok()) return s;
  finished_ = true;
  return Status::Ok();
}

Status FileSink::close_and_rename() {
  if (::close(fd_.release()) != 0) {
    const int err = errno;
    return fail(errno_status(tmp_path_ + ": close failed", err));
  }
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    const int err = errno;
    return fail(errno_status("cannot rename " + tmp_path_ + " to " + final_path_, err));
  }
  temp_.release();
  if (fsync_) {  // the directory entry: best effort (a failure here does not undo a complete file)
    const size_t slash = final_path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : final_path_.substr(0, slash + 1);
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
  }
  return Status::Ok();
}

}  // namespace rpbench::rdb
