#include "base/child_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "base/errno_text.h"
#include "base/unique_fd.h"

namespace rpbench {

namespace {

using Clock = std::chrono::steady_clock;

// In the child, right after fork: the parent-death signal, and exit at once if the parent is
// already gone (the signal would never come).
void arm_death_signal(int sig, pid_t parent) {
  if (sig == 0) return;
  ::prctl(PR_SET_PDEATHSIG, sig);
  if (::getppid() != parent) ::_exit(126);
}

// dup2 that also clears FD_CLOEXEC when from == to (dup2 onto itself keeps the flag).
int onto(int from, int to) { return from == to ? ::fcntl(to, F_SETFD, 0) : ::dup2(from, to); }

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "ended with wait status " + std::to_string(status);
}

ChildProcess::~ChildProcess() {
  if (running()) kill();
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)), owner_(o.owner_), reaped_(o.reaped_), status_(o.status_), fork_us_(o.fork_us_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    if (running()) kill();
    pid_ = std::exchange(o.pid_, -1);
    owner_ = o.owner_;
    reaped_ = o.reaped_;
    status_ = o.status_;
    fork_us_ = o.fork_us_;
  }
  return *this;
}

StatusOr<ChildProcess> ChildProcess::fork(const std::function<int()>& body, int death_signal) {
  const pid_t parent = ::getpid();
  const auto t0 = Clock::now();
  const pid_t pid = ::fork();
  const auto t1 = Clock::now();
  if (pid < 0) return errno_status("fork");
  if (pid == 0) {
    arm_death_signal(death_signal, parent);
    ::_exit(body());
  }
  ChildProcess c;
  c.pid_ = pid;
  c.owner_ = parent;
  c.fork_us_ = std::chrono::duration<double, std::micro>(t1 - t0).count();
  return c;
}

StatusOr<ChildProcess> ChildProcess::spawn(const SpawnOptions& o) {
  // Everything the child needs is built before fork(): between fork and exec it makes only
  // async-signal-safe calls.
  std::vector<std::string> args = o.args.empty() ? std::vector<std::string>{o.path} : o.args;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = o.env;
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  UniqueFd devnull;
  int in_fd = o.stdin_fd;
  if (in_fd < 0) {
    devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return errno_status("open /dev/null");
    in_fd = devnull.get();
  }
  const std::string exec_failed = "cannot exec " + o.path + "\n";
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return errno_status("fork for " + o.path);
  if (pid == 0) {
    arm_death_signal(o.death_signal, parent);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (onto(in_fd, STDIN_FILENO) < 0) ::_exit(127);
    if (o.stdout_fd >= 0 && onto(o.stdout_fd, STDOUT_FILENO) < 0) ::_exit(127);
    if (o.stderr_fd >= 0 && onto(o.stderr_fd, STDERR_FILENO) < 0) ::_exit(127);
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
      const long max_fd = ::sysconf(_SC_OPEN_MAX);
      for (long fd = 3; fd < max_fd; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
    ::execve(o.path.c_str(), argv.data(), envp.data());
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    ::_exit(127);
  }
  ChildProcess c;
  c.pid_ = pid;
  c.owner_ = parent;
  return c;
}

std::optional<int> ChildProcess::try_wait() {
  if (reaped_) return status_;
  if (!running()) return std::nullopt;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  // r < 0: not our child any more (reaped elsewhere); nothing is left to wait for.
  record(r == pid_ ? st : 0);
  return status_;
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto pause = std::chrono::microseconds(100);; pause = std::min(pause * 2, std::chrono::microseconds(5000))) {
    if (auto st = try_wait()) return st;
    if (!running() || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
  }
}

int ChildProcess::wait() {
  if (reaped_) return status_;
  if (!running()) return 0;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, 0);
  } while (r < 0 && errno == EINTR);
  record(r == pid_ ? st : 0);
  return status_;
}

bool ChildProcess::signal(int sig) { return running() && ::kill(pid_, sig) == 0; }

int ChildProcess::terminate(int sig, std::chrono::milliseconds grace, bool* killed) {
  if (killed) *killed = false;
  if (!running()) return status_;
  signal(sig);
  if (auto st = wait_for(grace)) return *st;
  if (killed) *killed = true;
  return kill();
}

int ChildProcess::kill() {
  if (!running()) return status_;
  ::kill(pid_, SIGKILL);
  return wait();
}

}  // namespace rpbench
