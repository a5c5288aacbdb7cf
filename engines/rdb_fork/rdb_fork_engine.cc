#include "engines/rdb_fork/rdb_fork_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "base/errno_text.h"
#include "base/private_dir.h"
#include "engines/kvstore/allocator_stats.h"
#include "engines/rdb/rdb_kvstore.h"
#include "measure/os_probes.h"

namespace rpbench::rdb_fork {

StatusOr<std::unique_ptr<RdbForkEngine>> RdbForkEngine::open(const RdbForkOptions& opt) {
  StatusOr<PrivateDir> dir = PrivateDir::create(opt.dir, "rdb-fork");
  if (!dir.ok()) return dir.status();
  dir->keep(opt.keep_dir);
  std::unique_ptr<RdbForkEngine> e(new RdbForkEngine(opt, std::move(*dir)));
  if (Status s = e->store_.apply_thp(); !s.ok()) return s;
  return e;
}

RdbForkEngine::RdbForkEngine(const RdbForkOptions& opt, PrivateDir dir)
    : Engine(kRdbForkEngineInfo), opt_(opt), work_dir_(std::move(dir)), store_(kRdbForkEngineInfo.name, opt.thp) {}

RdbForkEngine::~RdbForkEngine() {
  child_.abort();  // before the directory goes
}

Status RdbForkEngine::put(std::string_view key, std::string_view value) { return store_.put(key, value); }

Status RdbForkEngine::get(std::string_view key, std::string* value) { return store_.get(key, value); }

Status RdbForkEngine::del(std::string_view key) { return store_.del(key); }

Status RdbForkEngine::begin_snapshot() {
  if (child_.running()) {
    return Status::FailedPrecondition("rdb-fork: a snapshot is already running (child pid " +
                                      std::to_string(child_.pid()) + ")");
  }
  store_.thp().advise();
  rdb::RdbWriteOptions w;
  w.file.buffer_bytes = static_cast<size_t>(opt_.buffer_bytes);
  w.file.fsync = opt_.fsync;
  w.writer.used_mem = kvstore::allocated_bytes();
  w.writer.producer = "rdb-fork";
  w.writer.test_pause_after_header_ms = opt_.test_child_pause_ms;
  std::optional<ContentDigest> expected;
  if (store_.kv().track_digest()) expected = store_.kv().digest();
  Status s = child_.start(store_.kv(), work_dir_.path(), rdb_path(), w, expected);
  if (s.ok()) store_.kv().pause_resize(true);
  return s;
}

std::optional<SnapshotReport> RdbForkEngine::poll_snapshot() {
  std::optional<SnapshotReport> r = child_.poll();
  if (!r) return r;
  store_.kv().pause_resize(false);
  if (r->ok())
    ++snapshots_ok_;
  else
    ++snapshots_failed_;
  return r;
}

RecoveryReport RdbForkEngine::recover() {
  RecoveryReport rep;
  const std::string path = rdb_path();
  rep.source = path;
  if (child_.running()) {
    rep.status = Status::FailedPrecondition("rdb-fork: cannot recover while a snapshot child (pid " +
                                            std::to_string(child_.pid()) + ") is running");
    return rep;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    rep.status = errno_status("rdb-fork: no complete snapshot to recover from: " + path);
    return rep;
  }
  const rdb::RdbLoadResult r = rdb::load_rdb_file(path, &store_.kv(), store_.load_tick());
  store_.after_load();
  rep.status = r.status;
  rep.bytes = r.bytes;
  rep.keys = rep.ok() ? r.keys : 0;
  rep.extra = nlohmann::json{
      {"rdb_version", r.version}, {"checksum_verified", r.checksum_verified}, {"expires_ignored", r.expires_ignored}};
  return rep;
}

nlohmann::json RdbForkEngine::report() const {
  const int64_t keys = static_cast<int64_t>(store_.kv().size());
  const int64_t alloc = kvstore::allocated_bytes();
  const kvstore::TableStats t = store_.kv().table_stats();
  nlohmann::json j;
  j["keys"] = keys;
  j["allocator"] = kvstore::allocator_name();
  j["allocated_bytes"] = alloc >= 0 ? nlohmann::json(alloc) : nlohmann::json(nullptr);
  j["bytes_per_key"] = (alloc >= 0 && keys > 0) ? nlohmann::json(static_cast<double>(alloc) / static_cast<double>(keys))
                                                : nlohmann::json(nullptr);
  j["bytes_per_key_note"] = "process-wide allocated bytes / keys (includes the harness's own allocations)";
  const int64_t rss = measure::rss_bytes();
  j["rss_bytes"] = rss >= 0 ? nlohmann::json(rss) : nlohmann::json(nullptr);
  j["hash_table"] = {{"buckets", t.buckets0 + t.buckets1},   {"buckets_main", t.buckets0},
                     {"buckets_rehash_target", t.buckets1},  {"rehashing", t.rehashing},
                     {"resizes_started", t.resizes_started}, {"forced_resizes", t.forced_resizes}};
  j["rdb_path"] = rdb_path();
  j["work_dir"] = work_dir_.path();
  j["buffer_bytes"] = opt_.buffer_bytes;
  j["fsync"] = opt_.fsync;
  j["thp"] = store_.thp().report();
  j["snapshots_ok"] = snapshots_ok_;
  j["snapshots_failed"] = snapshots_failed_;
  return j;
}

}  // namespace rpbench::rdb_fork

namespace rpbench {

EngineEntry rdb_fork_engine_entry() {
  EngineEntry e;
  e.info = rdb_fork::kRdbForkEngineInfo;
  e.options = rdb_fork::rdb_fork_option_table().fields();
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    auto engine = rdb_fork::RdbForkEngine::open(rdb_fork::rdb_fork_option_table().bind(args.options));
    if (!engine.ok()) return engine.status();
    return std::unique_ptr<Engine>(std::move(*engine));
  };
  return e;
}

}  // namespace rpbench
