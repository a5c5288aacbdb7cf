#include "measure/paused_child.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

#include "base/errno_text.h"

namespace rpbench::measure {

namespace {
std::runtime_error os_error(const char* what) { return std::runtime_error(std::string(what) + ": " + errno_text()); }
}  // namespace

PausedChild::PausedChild() {
  int ready[2];
  int release[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) throw os_error("PausedChild: pipe");
  UniqueFd ready_r(ready[0]), ready_w(ready[1]);
  if (::pipe2(release, O_CLOEXEC) != 0) throw os_error("PausedChild: pipe");
  UniqueFd release_r(release[0]), release_w(release[1]);

  // The child: only async-signal-safe calls.
  StatusOr<ChildProcess> c = ChildProcess::fork([&]() {
    ::close(release[1]);
    ::close(ready[0]);
    const char byte = 'r';
    ssize_t w;
    do w = ::write(ready[1], &byte, 1);
    while (w < 0 && errno == EINTR);
    char sink;
    ssize_t r;
    do r = ::read(release[0], &sink, 1);
    while (r < 0 && errno == EINTR);
    return 0;
  });
  if (!c.ok()) throw std::runtime_error("PausedChild: " + c.status().message());
  child_ = std::move(*c);
  ready_w.reset();
  release_r.reset();
  release_fd_ = std::move(release_w);
  char byte = 0;
  ssize_t r;
  do r = ::read(ready_r.get(), &byte, 1);
  while (r < 0 && errno == EINTR);
  if (r != 1) {
    release_and_wait();
    throw std::runtime_error("PausedChild: the child did not start");
  }
}

PausedChild::~PausedChild() { release_and_wait(); }

int PausedChild::release_and_wait() {
  release_fd_.reset();
  return child_.wait();
}

}  // namespace rpbench::measure
