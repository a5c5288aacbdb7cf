// SnapshotChild: one fork-based snapshot in flight, as Redis's rdbSaveBackground runs it.
//
// start() forks (timing fork() in the parent); the child writes the store to
// <dir>/temp-<child pid>.rdb, renames it to the final path when complete, measures its own
// duration and Private_Dirty just before exit, sends one fixed-size binary record to the parent
// through a pipe and _exit()s (no destructors, no stdio flush). poll() never blocks (waitpid
// WNOHANG, non-blocking pipe): once the child has exited it reaps it and returns the report. A
// child that dies (signal, non-zero exit, no record) gives ok=false with the reason, and its
// temporary file is removed; the previous final file is never touched in that case.
//
// The object owns the child: destroying it while the child runs kills (SIGKILL) and reaps it and
// removes the temporary file.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/reporting_child.h"
#include "engines/content_digest.h"
#include "engines/engine.h"
#include "engines/kvstore/kvstore.h"
#include "engines/rdb/rdb_kvstore.h"

namespace rpbench::rdb_fork {

// What the child sends back through its ReportingChild pipe (base/reporting_child.h).
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

class SnapshotChild {
 public:
  SnapshotChild() = default;
  ~SnapshotChild();
  SnapshotChild(const SnapshotChild&) = delete;
  SnapshotChild& operator=(const SnapshotChild&) = delete;

  // Forks the writer child. `expected` is the store's digest at fork time: the report is ok only
  // if the child wrote exactly that content. Error when a snapshot is already running or
  // pipe()/fork() fail.
  // `expected` may be absent (the store does not track its digest): the child's own digest of
  // what it wrote, taken from the fork-time copy of the store, is then the snapshot's digest.
  Status start(const kvstore::KvStore& store, const std::string& dir, const std::string& final_path,
               const rdb::RdbWriteOptions& opt, const std::optional<ContentDigest>& expected);

  bool running() const { return child_.running(); }
  pid_t pid() const { return child_.pid(); }
  std::string temp_path() const;

  // Kills (SIGKILL) and reaps a running child and removes its temporary file; no-op otherwise.
  void abort();

  // std::nullopt while the child runs (or when none was started); its report once reaped.
  std::optional<SnapshotReport> poll();

 private:
  SnapshotReport finish(const ReportingChild<ChildRecord>::Exit& e);

  ReportingChild<ChildRecord> child_;
  std::string dir_;
  std::string final_path_;
  std::optional<ContentDigest> expected_;
};

}  // namespace rpbench::rdb_fork
