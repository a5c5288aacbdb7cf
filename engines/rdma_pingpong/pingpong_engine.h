// The rdma-pingpong engine (../shared/DESIGN.md, the engine table; issue 14): rdb-fork's store
// and fork, but the child's RDB v10 stream goes to a memory node instead of a file, through N
// ping-pong buffers (snapshot_stream.h), into one of the region's two slots (remote_slots.h).
// Recovery reads the newest committed slot back through the same buffers (remote_source.h) and
// parses it with the shared loader; the digest to verify against travels in the slot header, so a
// fresh process can recover and verify what another one snapshotted.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "engines/engine.h"
#include "engines/kvstore/fork_store.h"
#include "engines/rdma_pingpong/pingpong_options.h"
#include "engines/rdma_pingpong/snapshot_stream.h"
#include "engines/registry.h"
#include "engines/remote/remote_slots.h"
#include "engines/remote/stream_buffers.h"
#include "transport/remote_memory.h"

namespace rpbench::pingpong {

inline constexpr EngineInfo kPingpongEngineInfo{
    "rdma-pingpong",
    "fork like rdb-fork; the child streams its RDB through ping-pong buffers into a slot of remote memory; "
    "recovery reads the newest committed slot back",
    kCapStorage | kCapSnapshot | kCapRecovery | kCapDigest | kCapRemoteMemory};

class PingpongEngine final : public Engine {
 public:
  // Starts or reaches the memory node, opens the slots and (parent-posts) registers the shared
  // buffers; an error naming what failed.
  static StatusOr<std::unique_ptr<PingpongEngine>> open(const PingpongOptions& opt,
                                                        const transport::TransportOptions& transport);
  ~PingpongEngine() override;

  Status put(std::string_view key, std::string_view value) override;
  Status get(std::string_view key, std::string* value) override;
  Status del(std::string_view key) override;

  Status begin_snapshot() override;
  std::optional<SnapshotReport> poll_snapshot() override;
  RecoveryReport recover() override;
  StatusOr<std::string> digest() override { return store_.kv().compute_digest().hex(); }
  // The digest the snapshot child computed at fork time, read from the recovered slot's header.
  StatusOr<std::string> recovered_snapshot_digest() override;
  std::optional<int64_t> size() const override { return static_cast<int64_t>(store_.kv().size()); }
  nlohmann::json report() const override;
  nlohmann::json memory_node() const override { return remote_->node_json(); }

  // Writes the newest committed snapshot's RDB stream to `path` (temp file + rename), after
  // checking its payload checksum; for redis-check-rdb and redis-server. Its header's sequence
  // in *sequence when given.
  Status dump(const std::string& path, uint64_t* sequence = nullptr);

  // For tests and tools.
  const kvstore::KvStore& store() const { return store_.kv(); }
  int snapshot_child_pid() const { return stream_.running() ? stream_.pid() : -1; }
  transport::RemoteMemory& remote() { return *remote_; }
  void set_test_child_pause_ms(unsigned ms) { opt_.test_child_pause_ms = ms; }

 private:
  PingpongEngine(const PingpongOptions& opt, std::unique_ptr<transport::RemoteMemory> remote);
  // The buffers a recovery or a dump reads into: the shared set (parent-posts) or a fresh one.
  struct ReadBuffers;
  StatusOr<std::unique_ptr<ReadBuffers>> read_buffers();
  Status load_slot(const remote::SlotState& s, const std::string& name, ReadBuffers& rb, uint64_t t0,
                   RecoveryReport* rep);
  std::chrono::milliseconds stall() const;

  PingpongOptions opt_;
  std::unique_ptr<transport::RemoteMemory> remote_;
  std::unique_ptr<remote::RemoteSlots> slots_;
  remote::SlotAreas areas_;
  remote::StreamBuffers shared_;  // parent-posts only
  transport::BufferId shared_id_ = 0;
  kvstore::ForkStore store_;
  SnapshotStream stream_;
  std::optional<ContentDigest> recovered_digest_;
  uint64_t snapshots_ok_ = 0;
  uint64_t snapshots_failed_ = 0;
};

}  // namespace rpbench::pingpong

namespace rpbench {
// The registry entry: name "rdma-pingpong", its capabilities, options and factory.
EngineEntry pingpong_engine_entry();
}  // namespace rpbench
