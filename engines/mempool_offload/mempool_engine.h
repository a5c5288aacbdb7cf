// The mempool-offload engine (../shared/DESIGN.md, the engine table; issue 15): the whole store
// lives in one memory pool at a fixed address (pool_store.h); a snapshot writes the pool's used
// extent raw into a slot of remote memory (pool_save.h), from a fork child (fork-copy,
// fork-direct) or from the paused parent (pause); recovery maps the pool back at the same address
// and reads the extent straight into it: no serialization, no parse. The digest to verify
// against travels with the slot (its late digest), so a fresh process recovers and verifies.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "base/reporting_child.h"
#include "engines/engine.h"
#include "engines/mempool_offload/mempool_options.h"
#include "engines/mempool_offload/pool_save.h"
#include "engines/mempool_offload/pool_store.h"
#include "engines/registry.h"
#include "engines/remote/remote_slots.h"
#include "transport/remote_memory.h"

namespace rpbench::mempool {

inline constexpr EngineInfo kMempoolEngineInfo{
    "mempool-offload",
    "the store lives in one memory pool at a fixed address; a snapshot writes the pool raw to remote memory "
    "(fork-copy, fork-direct or pause); recovery maps it back at the same address with no parsing",
    kCapStorage | kCapSnapshot | kCapRecovery | kCapDigest | kCapRemoteMemory};

class MempoolEngine final : public Engine {
 public:
  // Reserves the pool (an error naming the address when the range is taken), reaches the memory
  // node and opens its slots.
  static StatusOr<std::unique_ptr<MempoolEngine>> open(const MempoolOptions& opt,
                                                       const transport::TransportOptions& transport);
  ~MempoolEngine() override;

  Status put(std::string_view key, std::string_view value) override { return pool_.put(key, value); }
  Status get(std::string_view key, std::string* value) override { return pool_.get(key, value); }
  Status del(std::string_view key) override { return pool_.del(key); }

  Status begin_snapshot() override;
  std::optional<SnapshotReport> poll_snapshot() override;
  RecoveryReport recover() override;
  StatusOr<std::string> digest() override { return pool_.kv().compute_digest().hex(); }
  // The digest the snapshot's writer computed after its commit, from the recovered slot.
  StatusOr<std::string> recovered_snapshot_digest() override;
  std::optional<int64_t> size() const override { return static_cast<int64_t>(pool_.kv().size()); }
  nlohmann::json report() const override;
  nlohmann::json memory_node() const override { return remote_->node_json(); }

  // For tests and tools.
  const PoolStore& pool() const { return pool_; }
  int snapshot_child_pid() const { return child_.running() ? child_.pid() : -1; }
  transport::RemoteMemory& remote() { return *remote_; }
  void set_test_child_pause_ms(unsigned ms) { opt_.test_child_pause_ms = ms; }

 private:
  MempoolEngine(const MempoolOptions& opt, PoolStore pool, std::unique_ptr<transport::RemoteMemory> remote);
  std::chrono::milliseconds stall() const;
  SnapshotReport finish_child(const ReportingChild<SaveRecord>::Exit& e);
  // Reads the slot's extent into the pool and adopts it; ok, or why not (the pool then empty).
  Status load_slot(const remote::SlotState& s, RecoveryReport* rep);

  MempoolOptions opt_;
  PoolStore pool_;
  std::unique_ptr<transport::RemoteMemory> remote_;
  std::unique_ptr<remote::RemoteSlots> slots_;
  remote::SlotAreas areas_;
  ReportingChild<SaveRecord> child_;
  SavePlan plan_;  // of the snapshot in flight
  std::string where_;
  std::optional<SnapshotReport> done_;  // pause: the report of the save begin_snapshot() did
  std::optional<ContentDigest> recovered_digest_;
  uint64_t snapshots_ok_ = 0;
  uint64_t snapshots_failed_ = 0;
};

}  // namespace rpbench::mempool

namespace rpbench {
// The registry entry: name "mempool-offload", its capabilities, options, checks and factory.
EngineEntry mempool_engine_entry();
}  // namespace rpbench
