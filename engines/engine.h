// The engine interface: the one narrow surface between the driver and a key-value store.
//
// The driver times every call; engines never time the foreground themselves. An engine states
// what it can do through capability flags in its EngineInfo (its name, summary and capabilities,
// stated once and shared by the engine and its registry entry), and the driver checks them before
// it runs a phase (a config that asks for a snapshot from an engine without kCapSnapshot is
// rejected at validation with a message naming the engine and the capability).
//
// Errors are Status values (base/status.h); figures an engine cannot know are empty optionals,
// written as null in the result, never a made-up zero.
//
// Threading: unless an engine declares kCapConcurrentCallers, the driver calls it from one thread
// only, and begin_snapshot()/poll_snapshot() are called from that same thread between operations
// (as Redis forks from its event loop between commands).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status_or.h"

namespace rpbench {

enum Capability : uint32_t {
  kCapSnapshot = 1u << 0,           // begin_snapshot / poll_snapshot
  kCapRecovery = 1u << 1,           // recover (from the newest complete snapshot)
  kCapConcurrentCallers = 1u << 2,  // put/get/del may be called from several threads at once
  kCapDigest = 1u << 3,             // digest() reflects the content (verify can use it)
  kCapRemoteMemory = 1u << 4,       // keeps data in remote memory: needs transport.type other than none
  kCapStorage = 1u << 5,            // get() returns what put() stored (every engine but null)
  kCapCompact = 1u << 6,            // compact(): reclaims space dead records hold, when a phase asks
};

// "snapshot, recovery, digest" (or "none").
std::string describe_capabilities(uint32_t caps);

// What an engine is, stated once per engine (a constant in its header).
struct EngineInfo {
  std::string_view name;
  std::string_view summary;  // one line for `rpbench list`
  uint32_t capabilities = 0;
};

// What a finished snapshot reports.
struct SnapshotReport {
  Status status;                                    // ok, or why the snapshot failed
  std::optional<double> fork_us;                    // time the parent spent in fork() (or paused), as it saw it
  std::string fork_us_source = "parent";            // "parent" (measured here) or e.g. "redis:latest_fork_usec"
  std::optional<double> child_duration_ms;          // how long the child/worker took to write the snapshot
  std::optional<int64_t> bytes;                     // bytes of snapshot written
  std::optional<int64_t> cow_bytes;                 // child's Private_Dirty just before it exited (copy-on-write)
  std::string digest;                               // digest of what the snapshot holds (taken at fork time); "" = none
  std::string location;                             // file path or remote region written
  int child_pid = -1;                               // the child's pid while it ran, if any
  std::optional<uint64_t> child_done_ns;            // measure::now_ns() when the child finished writing
  nlohmann::json extra = nlohmann::json::object();  // engine-specific figures
  std::string summary;                              // the main ones in one line for `rpbench run` ("" = none)

  bool ok() const { return status.ok(); }
};

struct RecoveryReport {
  Status status;                 // ok, or why recovery failed (the store is then left empty)
  std::optional<int64_t> bytes;  // bytes read to recover
  std::optional<int64_t> keys;   // keys in the recovered store
  std::string source;            // what was recovered from
  nlohmann::json extra = nlohmann::json::object();
  std::string summary;  // the main figures in one line for `rpbench run` ("" = none)

  bool ok() const { return status.ok(); }
};

// What a compaction a phase asked for reports (its time is the driver's).
struct CompactReport {
  Status status;
  nlohmann::json extra = nlohmann::json::object();  // engine-specific figures (pages rewritten, bytes read, ...)
  std::string summary;                              // the main figures in one line for `rpbench run` ("" = none)

  bool ok() const { return status.ok(); }
};

class Engine {
 public:
  explicit Engine(const EngineInfo& info) : info_(&info) {}
  virtual ~Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineInfo& info() const { return *info_; }
  std::string_view name() const { return info_->name; }
  uint32_t capabilities() const { return info_->capabilities; }

  // Point operations. get() fills *value; a missing key is Status::NotFound(), not an error.
  virtual Status put(std::string_view key, std::string_view value) = 0;
  virtual Status get(std::string_view key, std::string* value) = 0;
  virtual Status del(std::string_view key) = 0;

  // The driver announces each phase before running it ("load", "run", "snapshot", "recover",
  // "verify") and ends it after its last operation, from one thread while no operation is in
  // flight. An engine may batch where per-op latency is not the point (the redis engine pipelines
  // SETs only while loading); end_phase() completes anything still batched, and its time counts
  // in the phase. Engines that do not batch ignore both.
  virtual void begin_phase(std::string_view phase_type) { (void)phase_type; }
  virtual Status end_phase() { return Status::Ok(); }

  // Starts a snapshot and returns at once (the work runs in a child or a thread). Only one
  // snapshot is in flight at a time; the driver never calls begin while one is running.
  virtual Status begin_snapshot() { return Status::FailedPrecondition(std::string(name()) + " cannot snapshot"); }
  // Non-blocking: std::nullopt while the snapshot runs; its report once it is complete (and the
  // child, if any, reaped).
  virtual std::optional<SnapshotReport> poll_snapshot() { return std::nullopt; }

  // Replaces the store's content with the newest complete snapshot.
  virtual RecoveryReport recover() {
    RecoveryReport r;
    r.status = Status::FailedPrecondition(std::string(name()) + " cannot recover");
    return r;
  }

  // Reclaims the space dead records hold now (a compact phase; an engine may also do it in the
  // background). Returns when done; the content is unchanged.
  virtual CompactReport compact() {
    CompactReport r;
    r.status = Status::FailedPrecondition(std::string(name()) + " cannot compact");
    return r;
  }

  // A hash of the content that does not depend on iteration order (engines/content_digest.h).
  virtual StatusOr<std::string> digest() {
    return Status::FailedPrecondition(std::string(name()) + " has no content digest");
  }

  // For engines whose snapshot report carries no digest (taking one at snapshot time would cost
  // the foreground): the digest of the snapshot the last recover() loaded, computed from the
  // snapshot itself. verify then checks that recovery reproduced the snapshot, not the store at
  // fork time, and the result says so (verify.expected_from = "recovered_file"). kNotFound when
  // the engine has none to offer.
  virtual StatusOr<std::string> recovered_snapshot_digest() {
    return Status::NotFound(std::string(name()) + " keeps no digest of the recovered snapshot");
  }

  // Number of keys currently held, when the engine can tell cheaply.
  virtual std::optional<int64_t> size() const { return std::nullopt; }

  // The memory node a remote-memory engine used, for the result's context.memory_node (its
  // endpoint and the host facts it gave: transport::RemoteMemory::node_json()); null otherwise.
  virtual nlohmann::json memory_node() const { return nullptr; }

  // Engine-specific figures for the result's "engine" block.
  virtual nlohmann::json report() const { return nlohmann::json::object(); }

 private:
  const EngineInfo* info_;
};

}  // namespace rpbench
