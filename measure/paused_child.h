// A forked child that does nothing but wait: it tells the parent it is running, then blocks on a
// pipe until released, then _exit(0)s. It keeps the parent's memory shared copy-on-write for as
// long as the parent needs (to time COW faults or watch the child's Private_Dirty grow). RAII:
// the destructor releases the child and reaps it.
#pragma once
#include <sys/types.h>

#include "base/child_process.h"
#include "base/unique_fd.h"

namespace rpbench::measure {

class PausedChild {
 public:
  // Forks and returns once the child is blocked; throws std::runtime_error if fork or pipe fails.
  PausedChild();
  ~PausedChild();
  PausedChild(const PausedChild&) = delete;
  PausedChild& operator=(const PausedChild&) = delete;

  pid_t pid() const { return child_.pid(); }
  // Lets the child exit and reaps it; returns its wait status. Idempotent (later calls return the
  // first status).
  int release_and_wait();

 private:
  UniqueFd release_fd_;  // parent's write end: closing it releases the child
  ChildProcess child_;
};

}  // namespace rpbench::measure
