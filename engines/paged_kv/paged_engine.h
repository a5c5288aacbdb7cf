// The paged-kv engine (../shared/DESIGN.md, the engine table; issue 16; shared/seeds/004 is the
// remote-memory KV contest it comes from): a store for many client threads whose records live in
// pages in remote memory, behind a local page cache of a fixed budget. Keys are hashed into
// shards (shard.h); each shard has its own lock, index, page table and share of the cache. A
// background thread keeps clean frames available (writing back the coldest dirty pages) and
// rebuilds pages whose dead fraction passed engine.rebuild_dead_fraction.
//
// The region (remote/slot_header.h): the two snapshot header pages, two slot areas of
// engine.index_area_fraction of the region for the snapshots' images (index and page table),
// then the page slots (slot_allocator.h).
//
// A snapshot needs no fork and is of the content at begin_snapshot(), which prepares the slot
// and arms every shard. A thread then writes dirty cached pages back and cuts each shard in turn
// under its lock (the pages dirtied meanwhile, its index and page table into the image, its pages
// marked as in the snapshot so that a later write-back moves them to new slots); a shard written
// to before its turn is cut by that write first (copy on first write, at shard grain). Then the
// image goes to the slot area and the slot is committed. The foreground goes on; a shard waits
// only for its own cut. Recovery reads the image back and serves at once; pages come on demand.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engines/engine.h"
#include "engines/paged_kv/io_pool.h"
#include "engines/paged_kv/paged_options.h"
#include "engines/paged_kv/paged_stats.h"
#include "engines/paged_kv/shard.h"
#include "engines/paged_kv/slot_allocator.h"
#include "engines/registry.h"
#include "engines/remote/checksum.h"
#include "engines/remote/remote_slots.h"
#include "measure/mapping.h"
#include "transport/remote_memory.h"

namespace rpbench::paged {

inline constexpr EngineInfo kPagedEngineInfo{
    "paged-kv",
    "a sharded store for many client threads whose pages live in remote memory behind a bounded local page cache "
    "(LRU or CLOCK, background eviction and rebuild); snapshots without fork, recovery with pages on demand",
    kCapStorage | kCapSnapshot | kCapRecovery | kCapDigest | kCapRemoteMemory | kCapConcurrentCallers | kCapCompact};

class PagedEngine final : public Engine {
 public:
  static StatusOr<std::unique_ptr<PagedEngine>> open(const PagedOptions& opt,
                                                     const transport::TransportOptions& transport);
  ~PagedEngine() override;

  Status put(std::string_view key, std::string_view value) override;
  Status get(std::string_view key, std::string* value) override;
  Status del(std::string_view key) override;

  void begin_phase(std::string_view phase_type) override;
  Status end_phase() override;

  Status begin_snapshot() override;
  std::optional<SnapshotReport> poll_snapshot() override;
  RecoveryReport recover() override;
  // Rebuilds every page whose dead fraction passed engine.rebuild_dead_fraction now, with the
  // background thread paused (its figures are the compaction's alone).
  CompactReport compact() override;
  // Read from the pages themselves (every page fetched), not from the digest kept on writes.
  StatusOr<std::string> digest() override;
  StatusOr<std::string> recovered_snapshot_digest() override;
  std::optional<int64_t> size() const override;
  nlohmann::json report() const override;
  nlohmann::json memory_node() const override { return remote_->node_json(); }

  // For tests and tools.
  Status rebuild_now();
  uint64_t cache_budget_bytes() const { return cache_.size(); }
  Shard::Figures totals() const;
  CounterValues counters() const { return counters_.values(); }
  uint32_t frames() const { return frames_; }
  SlotAllocator::Figures slot_figures() const { return alloc_->figures(); }

 private:
  PagedEngine(const PagedOptions& opt, std::unique_ptr<transport::RemoteMemory> remote);
  Shard& shard_of(std::string_view key) { return *shards_[hash64(key, kShardHashSeed) % shards_.size()]; }
  Status check_key(std::string_view key) const;
  void start_background();
  void stop_background();
  // Stops the background thread for its lifetime (a recovery, a digest), then starts it again.
  struct BackgroundPause {
    explicit BackgroundPause(PagedEngine* e) : engine(e) { engine->stop_background(); }
    ~BackgroundPause() { engine->start_background(); }
    BackgroundPause(const BackgroundPause&) = delete;
    BackgroundPause& operator=(const BackgroundPause&) = delete;
    PagedEngine* engine;
  };
  void background();
  SnapshotReport run_snapshot(remote::RemoteSlots::Target target, uint64_t t0, double begin_us,
                              const CounterValues& before);
  Status write_image(const std::vector<uint8_t>& part, uint64_t at, remote::Checksum64* sum);
  Status load_slot(const remote::SlotState& s, RecoveryReport* rep);
  std::vector<uint8_t> header_extra() const;

  PagedOptions opt_;
  std::unique_ptr<transport::RemoteMemory> remote_;
  measure::AnonMapping cache_;
  uint32_t frames_ = 0;
  std::unique_ptr<IoPool> io_;
  std::unique_ptr<SlotAllocator> alloc_;
  std::unique_ptr<remote::RemoteSlots> slots_;  // on remote_'s own connection (the control one)
  measure::AnonMapping staging_;
  std::optional<transport::BufferId> staging_buf_;  // registered on the control connection
  remote::SlotAreas areas_;
  uint64_t data_offset_ = 0;
  Counters counters_;
  std::vector<std::unique_ptr<Shard>> shards_;

  std::thread background_;
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool bg_stop_ = false;
  std::string bg_error_;  // the first error of the background thread (guarded by bg_mu_)
  // The phase's timeline (guarded by bg_mu_): the counters every kSampleNs, sampled by the
  // background thread, so that a figure shows the hit ratio climbing after a recovery.
  static constexpr uint64_t kSampleNs = 100'000'000;
  std::vector<CounterValues> samples_;
  uint64_t next_sample_ns_ = 0;
  bool sampling_ = false;

  std::thread snapshot_;
  std::atomic<bool> snapshot_done_{false};
  SnapshotReport snapshot_report_;  // written by the snapshot thread before snapshot_done_
  bool snapshot_running_ = false;
  uint64_t snapshots_ok_ = 0, snapshots_failed_ = 0;

  std::optional<ContentDigest> recovered_digest_;
  std::string phase_type_;
  uint64_t phase_start_ns_ = 0;
  CounterValues phase_start_;
  nlohmann::json phases_ = nlohmann::json::array();
};

}  // namespace rpbench::paged

namespace rpbench {
EngineEntry paged_engine_entry();
}  // namespace rpbench
