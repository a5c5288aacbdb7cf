#include "engines/rdb_fork/snapshot_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <type_traits>

#include "harness/measure/clock.h"
#include "harness/measure/os_probes.h"

namespace rpbench::rdb_fork {

namespace {

constexpr uint32_t kRecordMagic = 0x52504246;  // "RPBF"

// What the child sends back: fixed size (well under PIPE_BUF, so one atomic write).
struct ChildRecord {
  uint32_t magic;
  uint32_t ok;
  int64_t bytes;
  int64_t duration_ns;
  int64_t private_dirty_bytes;
  uint64_t done_ns;  // measure::now_ns() when the child finished (the parent's clock: same calibration)
  uint64_t digest_sum;
  uint64_t digest_xor;
  uint64_t digest_count;
  char error[512];
};
static_assert(std::is_trivially_copyable_v<ChildRecord>);
static_assert(sizeof(ChildRecord) < 4096);

std::string temp_name(const std::string& dir, pid_t pid) { return dir + "/temp-" + std::to_string(pid) + ".rdb"; }

[[noreturn]] void child_main(int out_fd, const kvstore::KvStore& store, const std::string& dir,
                             const std::string& final_path, const RdbWriteOptions& opt) {
  ChildRecord rec{};
  rec.magic = kRecordMagic;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const RdbWriteResult r = save_rdb_file(store, temp_name(dir, ::getpid()), final_path, opt);
    rec.ok = r.ok ? 1 : 0;
    rec.bytes = r.bytes;
    rec.digest_sum = r.digest.sum;
    rec.digest_xor = r.digest.xr;
    rec.digest_count = r.digest.count;
    std::strncpy(rec.error, r.error.c_str(), sizeof rec.error - 1);
  } catch (const std::exception& e) {
    rec.ok = 0;
    std::strncpy(rec.error, e.what(), sizeof rec.error - 1);
  }
  rec.duration_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  rec.private_dirty_bytes = measure::private_dirty_bytes(0);
  rec.done_ns = measure::now_ns();
  ssize_t w;
  do {
    w = ::write(out_fd, &rec, sizeof rec);
  } while (w < 0 && errno == EINTR);
  ::_exit(rec.ok ? 0 : 1);
}

}  // namespace

SnapshotChild::~SnapshotChild() { abort(); }

void SnapshotChild::abort() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  ::unlink(temp_path().c_str());
  pid_ = -1;
  pipe_read_.reset();
}

std::string SnapshotChild::temp_path() const { return temp_name(dir_, pid_); }

Status SnapshotChild::start(const kvstore::KvStore& store, const std::string& dir, const std::string& final_path,
                            const RdbWriteOptions& opt, const std::optional<kvstore::ContentDigest>& expected) {
  if (running()) return Status::Error("a snapshot child (pid " + std::to_string(pid_) + ") is still running");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return Status::Error(std::string("pipe2 failed: ") + std::strerror(errno));
  UniqueFd rd(fds[0]);
  UniqueFd wr(fds[1]);
  dir_ = dir;
  final_path_ = final_path;
  expected_ = expected;

  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  const auto t1 = std::chrono::steady_clock::now();
  if (pid < 0) return Status::Error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(rd.get());
    child_main(wr.get(), store, dir, final_path, opt);
  }
  fork_us_ = std::chrono::duration<double, std::micro>(t1 - t0).count();
  pid_ = pid;
  pipe_read_ = std::move(rd);
  return Status::Ok();
}

std::optional<SnapshotReport> SnapshotChild::poll() {
  if (pid_ <= 0) return std::nullopt;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  if (r < 0) {
    SnapshotReport rep;
    rep.child_pid = pid_;
    rep.fork_us = fork_us_;
    rep.location = final_path_;
    rep.error = "snapshot child " + std::to_string(pid_) + " cannot be waited for: " + std::strerror(errno);
    ::unlink(temp_path().c_str());
    pid_ = -1;
    pipe_read_.reset();
    return rep;
  }
  SnapshotReport rep = finish(st);
  pid_ = -1;
  pipe_read_.reset();
  return rep;
}

SnapshotReport SnapshotChild::finish(int wait_status) {
  SnapshotReport rep;
  rep.child_pid = pid_;
  rep.fork_us = fork_us_;
  rep.location = final_path_;
  ChildRecord rec{};
  ssize_t n;
  do {
    n = ::read(pipe_read_.get(), &rec, sizeof rec);
  } while (n < 0 && errno == EINTR);
  const bool have_record = n == static_cast<ssize_t>(sizeof rec) && rec.magic == kRecordMagic;
  if (have_record) {
    rec.error[sizeof rec.error - 1] = '\0';
    rep.bytes = rec.bytes;
    rep.child_duration_ms = static_cast<double>(rec.duration_ns) / 1e6;
    rep.cow_bytes = rec.private_dirty_bytes;
    rep.child_done_ns = rec.done_ns;
    rep.digest = kvstore::ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count}.hex();
  }
  const std::string who = "snapshot child " + std::to_string(pid_);
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    rep.error = who + " was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  } else if (!WIFEXITED(wait_status)) {
    rep.error = who + " ended abnormally (wait status " + std::to_string(wait_status) + ")";
  } else if (!have_record) {
    rep.error = who + " exited with status " + std::to_string(WEXITSTATUS(wait_status)) + " without sending its report";
  } else if (WEXITSTATUS(wait_status) != 0 || rec.ok == 0) {
    rep.error = who + " failed: " + (rec.error[0] != '\0' ? std::string(rec.error) : "exit status " + std::to_string(WEXITSTATUS(wait_status)));
  } else if (expected_ && kvstore::ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count} != *expected_) {
    rep.error = who + " wrote content with digest " + rep.digest + " but the store's digest at fork time was " +
                expected_->hex();
  } else {
    rep.ok = true;
  }
  if (!rep.ok) ::unlink(temp_path().c_str());
  rep.extra = nlohmann::json{{"temp_file", temp_path()},
                             {"expected_digest", expected_ ? nlohmann::json(expected_->hex()) : nlohmann::json(nullptr)},
                             {"digest_source", expected_ ? "the child's, checked against the store's tracked digest"
                                                         : "the child's, of the fork-time content it wrote"}};
  return rep;
}

}  // namespace rpbench::rdb_fork
