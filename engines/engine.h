// The engine interface: the one narrow surface between the driver and a key-value store.
//
// The driver times every call; engines never time the foreground themselves. An engine
// states what it can do through capability flags, and the driver checks them before it runs a
// phase (a config that asks for a snapshot from an engine without kSnapshot is rejected at
// validation with a message naming the engine and the capability).
//
// Threading: unless an engine declares kConcurrentCallers, the driver calls it from one thread
// only, and begin_snapshot()/poll_snapshot() are called from that same thread between operations
// (as Redis forks from its event loop between commands).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace rpbench {

enum Capability : uint32_t {
  kCapSnapshot = 1u << 0,           // begin_snapshot / poll_snapshot
  kCapRecovery = 1u << 1,           // recover (from the newest complete snapshot)
  kCapConcurrentCallers = 1u << 2,  // put/get/del may be called from several threads at once
  kCapDigest = 1u << 3,             // digest() reflects the content (verify can use it)
  kCapRemoteMemory = 1u << 4,       // keeps data in remote memory: needs transport.type other than none
};

// What a finished snapshot reports. Fields an engine cannot know stay at their "unknown" value
// (-1 or empty) and are written as null in the result, never as a made-up zero.
struct SnapshotReport {
  bool ok = false;
  std::string error;           // why it failed, when !ok
  double fork_us = -1;         // time the parent spent in fork(), as the parent saw it
  std::string fork_us_source = "parent";  // "parent" (measured here) or e.g. "redis:latest_fork_usec"
  double child_duration_ms = -1;  // how long the child/worker took to write the snapshot
  int64_t bytes = -1;          // bytes of snapshot written
  int64_t cow_bytes = -1;      // child's Private_Dirty just before it exited (copy-on-write)
  std::string digest;          // digest of what the snapshot holds (taken at fork time)
  std::string location;        // file path or remote region written
  int child_pid = -1;          // the child's pid while it ran, if any
  uint64_t child_done_ns = 0;  // measure::now_ns() when the child finished writing (0 = unknown)
  nlohmann::json extra = nlohmann::json::object();  // engine-specific figures
};

struct RecoveryReport {
  bool ok = false;
  std::string error;
  int64_t bytes = -1;    // bytes read to recover
  int64_t keys = -1;     // keys in the recovered store
  std::string source;    // what was recovered from
  nlohmann::json extra = nlohmann::json::object();
};

class Engine {
 public:
  virtual ~Engine() = default;
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  virtual std::string_view name() const = 0;
  virtual uint32_t capabilities() const = 0;

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
    r.error = std::string(name()) + " cannot recover";
    return r;
  }

  // A hash of the content that does not depend on iteration order.
  virtual std::string digest() { return {}; }

  // For engines whose snapshot report carries no digest (taking one at snapshot time would cost
  // the foreground): the digest of the snapshot file the last recover() loaded, computed from the
  // file itself. verify then checks that recovery reproduced the file, not the store at fork
  // time, and the result says so (verify.expected_from = "recovered_file").
  virtual std::string recovered_snapshot_digest() { return {}; }

  // Number of keys currently held, or -1 if the engine cannot tell cheaply.
  virtual int64_t size() const { return -1; }

  // Engine-specific figures for the result's "engine" block.
  virtual nlohmann::json report() const { return nlohmann::json::object(); }
};

}  // namespace rpbench
