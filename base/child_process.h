// ChildProcess: the one owner of a child process. It forks (running a function in the child) or
// spawns (fork + exec of a program), reaps without blocking or with a timeout, terminates (a
// signal, a grace period, then SIGKILL) and, when destroyed with the child still running, kills
// and reaps it, so no child outlives its owner by accident. A forked copy of the owner (a
// grandchild's view after another fork) never signals or reaps the child: only the process that
// started it does.
//
// The parent-death signal (PR_SET_PDEATHSIG) makes the kernel signal the child when the *thread*
// that forked it exits: start children from a thread that lives as long as the child must.
#pragma once
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status_or.h"

namespace rpbench {

// "exited with status N", "killed by signal N (SIGKILL)", "ended with wait status N".
std::string describe_wait_status(int wait_status);

struct SpawnOptions {
  std::string path;               // the program (absolute, or relative to the working directory)
  std::vector<std::string> args;  // argv, argv[0] included (empty: {path})
  std::vector<std::string> env;   // the whole environment, "NAME=value" each
  int stdin_fd = -1;              // -1: /dev/null
  int stdout_fd = -1;             // -1: inherit this process's
  int stderr_fd = -1;             // -1: inherit this process's
  int death_signal = SIGKILL;     // sent to the child when the starting thread exits (0: none)
};

class ChildProcess {
 public:
  ChildProcess() = default;  // owns nothing
  ~ChildProcess();
  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&& o) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Forks; the child runs body() and _exit()s with its return value (no destructors, no stdio
  // flush). body() runs after fork() in a possibly threaded parent: it must not take locks other
  // threads may hold (no malloc in a threaded parent unless the allocator is fork-safe), and it
  // must not return into the caller's frames. fork_us() is the time fork() itself took.
  static StatusOr<ChildProcess> fork(const std::function<int()>& body, int death_signal = 0);
  // fork + exec: signals reset to their defaults and unblocked in the child, descriptors other
  // than 0-2 closed at exec. The exec failing shows as exit status 127.
  static StatusOr<ChildProcess> spawn(const SpawnOptions& options);

  pid_t pid() const { return pid_; }
  // Started by this process and not yet reaped.
  bool running() const { return pid_ > 0 && !reaped_ && owner_ == ::getpid(); }
  double fork_us() const { return fork_us_; }
  // The wait status once reaped.
  std::optional<int> wait_status() const { return reaped_ ? std::optional<int>(status_) : std::nullopt; }

  // Reaps the child if it has exited (never blocks); its wait status then.
  std::optional<int> try_wait();
  // Waits up to `timeout` for the child to exit.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Waits for the child to exit.
  int wait();
  // Sends `sig` (if still running); false when it could not be sent.
  bool signal(int sig);
  // `sig`, up to `grace` for the child to exit, then SIGKILL; reaps. The wait status (and whether
  // it had to be killed, through *killed).
  int terminate(int sig, std::chrono::milliseconds grace, bool* killed = nullptr);
  // SIGKILL and reap.
  int kill();
  // Forgets the child without signalling or reaping it.
  void release() { pid_ = -1; }

 private:
  void record(int status) {
    status_ = status;
    reaped_ = true;
  }
  pid_t pid_ = -1;
  pid_t owner_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  double fork_us_ = -1;
};

}  // namespace rpbench
