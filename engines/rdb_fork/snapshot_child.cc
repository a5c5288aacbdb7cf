#include "engines/rdb_fork/snapshot_child.h"

#include "base/errno_text.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <type_traits>

#include "measure/clock.h"
#include "measure/os_probes.h"

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
                             const std::string& final_path, const rdb::RdbWriteOptions& opt) {
  ChildRecord rec{};
  rec.magic = kRecordMagic;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const rdb::RdbWriteResult r = rdb::save_rdb_file(store, temp_name(dir, ::getpid()), final_path, opt);
    rec.ok = r.status.ok() ? 1 : 0;
    rec.bytes = r.bytes;
    rec.digest_sum = r.digest.sum;
    rec.digest_xor = r.digest.xr;
    rec.digest_count = r.digest.count;
    std::strncpy(rec.error, r.status.message().c_str(), sizeof rec.error - 1);
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
  if (!child_.running()) return;
  child_.kill();
  ::unlink(temp_path().c_str());
  child_ = ChildProcess();
  pipe_read_.reset();
}

std::string SnapshotChild::temp_path() const { return temp_name(dir_, child_.pid()); }

Status SnapshotChild::start(const kvstore::KvStore& store, const std::string& dir, const std::string& final_path,
                            const rdb::RdbWriteOptions& opt, const std::optional<ContentDigest>& expected) {
  if (running())
    return Status::FailedPrecondition("a snapshot child (pid " + std::to_string(pid()) + ") is still running");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return errno_status("pipe2");
  UniqueFd rd(fds[0]);
  UniqueFd wr(fds[1]);
  dir_ = dir;
  final_path_ = final_path;
  expected_ = expected;

  // The child dies with the thread that forked it (the driver's), so a killed harness leaves no
  // writer behind.
  StatusOr<ChildProcess> c = ChildProcess::fork(
      [&]() -> int {
        ::close(rd.get());
        child_main(wr.get(), store, dir, final_path, opt);
      },
      SIGKILL);
  if (!c.ok()) return c.status();
  child_ = std::move(*c);
  pipe_read_ = std::move(rd);
  return Status::Ok();
}

std::optional<SnapshotReport> SnapshotChild::poll() {
  if (!child_.running()) return std::nullopt;
  const std::optional<int> st = child_.try_wait();
  if (!st) return std::nullopt;
  SnapshotReport rep = finish(*st);
  child_ = ChildProcess();
  pipe_read_.reset();
  return rep;
}

SnapshotReport SnapshotChild::finish(int wait_status) {
  SnapshotReport rep;
  rep.child_pid = child_.pid();
  rep.fork_us = child_.fork_us();
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
    if (rec.private_dirty_bytes >= 0) rep.cow_bytes = rec.private_dirty_bytes;
    if (rec.done_ns > 0) rep.child_done_ns = rec.done_ns;
    rep.digest = ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count}.hex();
  }
  const std::string who = "snapshot child " + std::to_string(child_.pid());
  if (!WIFEXITED(wait_status)) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status));
  } else if (!have_record) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status) + " without sending its report");
  } else if (WEXITSTATUS(wait_status) != 0 || rec.ok == 0) {
    rep.status = Status::IoError(who + " failed: " + (rec.error[0] != '\0' ? std::string(rec.error)
                                                                            : describe_wait_status(wait_status)));
  } else if (expected_ && ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count} != *expected_) {
    rep.status = Status::Internal(who + " wrote content with digest " + rep.digest +
                                  " but the store's digest at fork time was " + expected_->hex());
  }
  if (!rep.ok()) ::unlink(temp_path().c_str());
  rep.extra = nlohmann::json{{"temp_file", temp_path()},
                             {"expected_digest", expected_ ? nlohmann::json(expected_->hex()) : nlohmann::json(nullptr)},
                             {"digest_source", expected_ ? "the child's, checked against the store's tracked digest"
                                                         : "the child's, of the fork-time content it wrote"}};
  return rep;
}

}  // namespace rpbench::rdb_fork
