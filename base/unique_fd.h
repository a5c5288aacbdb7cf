// RAII owners for small OS resources: a file descriptor, and a temporary path removed unless
// released (the temp-file-then-rename pattern).
#pragma once
#include <unistd.h>

#include <string>
#include <utility>

namespace rpbench {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

class TempPathGuard {
 public:
  explicit TempPathGuard(std::string path) : path_(std::move(path)) {}
  ~TempPathGuard() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempPathGuard(TempPathGuard&& o) noexcept : path_(std::exchange(o.path_, std::string())) {}
  TempPathGuard(const TempPathGuard&) = delete;
  TempPathGuard& operator=(const TempPathGuard&) = delete;
  void release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace rpbench
