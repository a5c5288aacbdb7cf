#include "engines/rdb_fork/snapshot_child.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "measure/clock.h"
#include "measure/os_probes.h"

namespace rpbench::rdb_fork {

namespace {

constexpr uint32_t kRecordMagic = 0x52504246;  // "RPBF"

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
  write_record(out_fd, rec);
  ::_exit(rec.ok ? 0 : 1);
}

}  // namespace

SnapshotChild::~SnapshotChild() { abort(); }

void SnapshotChild::abort() {
  if (!child_.running()) return;
  const std::string temp = temp_path();
  child_.kill();
  ::unlink(temp.c_str());
}

std::string SnapshotChild::temp_path() const { return temp_name(dir_, child_.pid()); }

Status SnapshotChild::start(const kvstore::KvStore& store, const std::string& dir, const std::string& final_path,
                            const rdb::RdbWriteOptions& opt, const std::optional<ContentDigest>& expected) {
  if (running())
    return Status::FailedPrecondition("a snapshot child (pid " + std::to_string(pid()) + ") is still running");
  dir_ = dir;
  final_path_ = final_path;
  expected_ = expected;
  return child_.start([&](int fd) { child_main(fd, store, dir, final_path, opt); });
}

std::optional<SnapshotReport> SnapshotChild::poll() {
  std::optional<ReportingChild<ChildRecord>::Exit> e = child_.poll();
  if (!e) return std::nullopt;
  return finish(*e);
}

SnapshotReport SnapshotChild::finish(const ReportingChild<ChildRecord>::Exit& e) {
  const int wait_status = e.wait_status;
  SnapshotReport rep;
  rep.child_pid = e.pid;
  rep.fork_us = e.fork_us;
  rep.location = final_path_;
  const bool have_record = e.record && e.record->magic == kRecordMagic;
  ChildRecord rec = have_record ? *e.record : ChildRecord{};
  if (have_record) {
    rec.error[sizeof rec.error - 1] = '\0';
    rep.bytes = rec.bytes;
    rep.child_duration_ms = static_cast<double>(rec.duration_ns) / 1e6;
    if (rec.private_dirty_bytes >= 0) rep.cow_bytes = rec.private_dirty_bytes;
    if (rec.done_ns > 0) rep.child_done_ns = rec.done_ns;
    rep.digest = ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count}.hex();
  }
  const std::string who = "snapshot child " + std::to_string(e.pid);
  const std::string temp = temp_name(dir_, e.pid);
  if (!WIFEXITED(wait_status)) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status));
  } else if (!have_record) {
    rep.status = Status::Unavailable(who + " " + describe_wait_status(wait_status) + " without sending its report");
  } else if (WEXITSTATUS(wait_status) != 0 || rec.ok == 0) {
    rep.status = Status::IoError(
        who + " failed: " + (rec.error[0] != '\0' ? std::string(rec.error) : describe_wait_status(wait_status)));
  } else if (expected_ && ContentDigest{rec.digest_sum, rec.digest_xor, rec.digest_count} != *expected_) {
    rep.status = Status::Internal(who + " wrote content with digest " + rep.digest +
                                  " but the store's digest at fork time was " + expected_->hex());
  }
  if (!rep.ok()) ::unlink(temp.c_str());
  rep.extra =
      nlohmann::json{{"temp_file", temp},
                     {"expected_digest", expected_ ? nlohmann::json(expected_->hex()) : nlohmann::json(nullptr)},
                     {"digest_source", expected_ ? "the child's, checked against the store's tracked digest"
                                                 : "the child's, of the fork-time content it wrote"}};
  return rep;
}

}  // namespace rpbench::rdb_fork
