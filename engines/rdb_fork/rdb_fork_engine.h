// The rdb-fork engine: stock Redis BGSAVE. The store is a KvStore (Redis-shaped dict); a
// snapshot forks a child that serializes the store into a real RDB file (version 10, loadable by
// redis-server 7.0) through a temp file renamed into place; recovery parses that file back.
//
// Files live in a private subdirectory <engine.dir>/rdb-fork-XXXXXX made per engine instance
// (removed at close unless engine.keep_dir).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "base/private_dir.h"
#include "engines/engine.h"
#include "engines/kvstore/fork_store.h"
#include "engines/rdb_fork/rdb_fork_options.h"
#include "engines/rdb_fork/snapshot_child.h"
#include "engines/registry.h"

namespace rpbench::rdb_fork {

inline constexpr EngineInfo kRdbForkEngineInfo{
    "rdb-fork", "Redis BGSAVE: fork, the child writes a real RDB file (v10, temp + rename); recovery parses it",
    kCapStorage | kCapSnapshot | kCapRecovery | kCapDigest};

class RdbForkEngine final : public Engine {
 public:
  // Creates the private directory and applies the THP policy; an error naming the directory (or
  // the THP call) when it cannot.
  static StatusOr<std::unique_ptr<RdbForkEngine>> open(const RdbForkOptions& opt);
  ~RdbForkEngine() override;

  Status put(std::string_view key, std::string_view value) override;
  Status get(std::string_view key, std::string* value) override;
  Status del(std::string_view key) override;

  Status begin_snapshot() override;
  std::optional<SnapshotReport> poll_snapshot() override;
  RecoveryReport recover() override;
  // The store does not track its digest (Redis pays no such cost per put): a full scan, which
  // only verify asks for.
  StatusOr<std::string> digest() override { return store_.kv().compute_digest().hex(); }
  std::optional<int64_t> size() const override { return static_cast<int64_t>(store_.kv().size()); }
  nlohmann::json report() const override;

  // For tests and tools.
  const kvstore::KvStore& store() const { return store_.kv(); }
  int snapshot_child_pid() const { return child_.running() ? child_.pid() : -1; }
  const std::string& work_dir() const { return work_dir_.path(); }
  std::string rdb_path() const { return work_dir_.path() + "/" + opt_.rdb_file; }
  // Test hook: the next snapshot children sleep this long after writing the file header.
  void set_test_child_pause_ms(unsigned ms) { opt_.test_child_pause_ms = ms; }

 private:
  RdbForkEngine(const RdbForkOptions& opt, PrivateDir dir);

  RdbForkOptions opt_;
  PrivateDir work_dir_;  // removed when the engine goes, unless keep_files
  kvstore::ForkStore store_;
  SnapshotChild child_;
  uint64_t snapshots_ok_ = 0;
  uint64_t snapshots_failed_ = 0;
};

}  // namespace rpbench::rdb_fork

namespace rpbench {
// The registry entry: name "rdb-fork", its capabilities, options and factory.
EngineEntry rdb_fork_engine_entry();
}  // namespace rpbench
