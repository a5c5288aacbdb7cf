// ReportingChild<Record>: a forked child that reports one fixed-size record to its parent through
// a pipe before it _exit()s, as the fork-based snapshot engines' children do (rdb-fork's writer,
// rdma-pingpong's streamer). The record is trivially copyable and smaller than PIPE_BUF, so one
// write() delivers all of it or nothing.
//
// start() forks (the child runs body(fd) and must end in _exit(): write_record(fd, r) first);
// poll() never blocks: once the child has exited it is reaped and poll() returns its wait status
// and the record, when a whole one arrived. The object owns the child: kill() or destroying it
// while the child runs kills (SIGKILL) and reaps it.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <type_traits>

#include "base/child_process.h"
#include "base/errno_text.h"
#include "base/unique_fd.h"

namespace rpbench {

// Writes the record (in the child, just before _exit).
template <class Record>
void write_record(int fd, const Record& r) {
  static_assert(std::is_trivially_copyable_v<Record> && sizeof(Record) < 4096);
  ssize_t w;
  do {
    w = ::write(fd, &r, sizeof r);
  } while (w < 0 && errno == EINTR);
}

template <class Record>
class ReportingChild {
  static_assert(std::is_trivially_copyable_v<Record> && sizeof(Record) < 4096);

 public:
  struct Exit {
    int wait_status = 0;
    std::optional<Record> record;  // when one whole record arrived
    pid_t pid = -1;
    double fork_us = 0;
  };

  // Forks; the child dies with the thread that forked it (SIGKILL), so a killed harness leaves no
  // child behind. Error when one is still running or pipe2()/fork() fail.
  Status start(const std::function<void(int fd)>& body) {
    if (running())
      return Status::FailedPrecondition("a snapshot child (pid " + std::to_string(pid()) + ") is still running");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return errno_status("pipe2");
    UniqueFd rd(fds[0]);
    UniqueFd wr(fds[1]);
    StatusOr<ChildProcess> c = ChildProcess::fork(
        [&]() -> int {
          ::close(rd.get());
          body(wr.get());
          return 1;  // body() returned instead of _exit()ing: a bug, reported as a failure
        },
        SIGKILL);
    if (!c.ok()) return c.status();
    child_ = std::move(*c);
    read_ = std::move(rd);
    return Status::Ok();
  }

  bool running() const { return child_.running(); }
  pid_t pid() const { return child_.pid(); }

  // SIGKILL and reap a running child; no-op otherwise.
  void kill() {
    if (child_.running()) child_.kill();
    child_ = ChildProcess();
    read_.reset();
  }

  // std::nullopt while the child runs (or none was started).
  std::optional<Exit> poll() {
    if (!child_.running()) return std::nullopt;
    const std::optional<int> st = child_.try_wait();
    if (!st) return std::nullopt;
    Exit e;
    e.wait_status = *st;
    e.pid = child_.pid();
    e.fork_us = child_.fork_us();
    Record r{};
    ssize_t n;
    do {
      n = ::read(read_.get(), &r, sizeof r);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof r)) e.record = r;
    child_ = ChildProcess();
    read_.reset();
    return e;
  }

 private:
  ChildProcess child_;
  UniqueFd read_;
};

}  // namespace rpbench
