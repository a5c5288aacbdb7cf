// Engine `redis`: a real redis-server (Debian's) driven through hiredis, the ground truth for the
// fork-based baseline. Snapshot = BGSAVE, with the server's own INFO figures (fork time is the
// server's latest_fork_usec, labelled "redis:latest_fork_usec"); recovery = restart the server on
// its dump.rdb.
//
// Server: managed mode starts a private redis-server (mkdtemp under engine.dir, 127.0.0.1, a free
// port, no automatic saves, no AOF) and always stops it (destructor: SHUTDOWN NOSAVE, SIGTERM,
// SIGKILL; PR_SET_PDEATHSIG=SIGKILL covers a killed rpbench). Attach mode (engine.managed=false,
// engine.address=host:port) uses a server someone else runs and never starts, stops, flushes or
// reconfigures it (it only sends the workload's commands, BGSAVE, INFO, DBSIZE, SCAN/MGET and
// CONFIG GET dir/dbfilename); recover() needs managed mode.
//
// Threads: kCapConcurrentCallers. Each calling thread gets its own connection, created on its
// first call; the engine owns every connection. begin/poll_snapshot, digest, recover and report
// use a separate control connection.
//
// Pipelining (engine.pipeline_depth, default 64) applies to puts only: put() appends the SET to
// the calling thread's connection and reads the replies only once pipeline_depth SETs are
// outstanding. So a put returns Ok before the server has acknowledged it, a SET's error reply
// surfaces as a Status::Error from a later call, and the latency the driver records for a
// pipelined put is the amortized cost (one in pipeline_depth puts pays the round trip). Before
// any get/del/begin_snapshot/digest/report, every connection's outstanding SETs are sent and
// their replies read (so a read sees every put issued before it, from any thread); recover()
// discards them (they postdate the snapshot it restores). A run phase that wants per-op SET
// latency sets engine.pipeline_depth=1 (each put is then one SET round trip).
//
// Digest (engine.digest=true, the default): the snapshot reports an order-independent
// rpbench::ContentDigest of its content, and digest() computes the same over the live keyspace
// (SCAN + MGET on the control connection), so the driver's verify can compare them.
// engine.digest_from picks how the snapshot's digest is taken:
//  - "scan" (default): the keyspace is scanned in begin_snapshot right before BGSAVE. Exact with
//    one client thread; with several, the other threads may write between the scan and the fork,
//    and verify then fails. The scan blocks the calling thread and delays the fork (its time is
//    in the snapshot's extra.digest_scan_ms, and inside the driver's snapshot window).
//  - "rdb": the finished RDB is parsed in poll_snapshot (the rdb library's loader, which reads
//    redis-server 7.0 files) and its pairs digested as they are parsed: exactly what the snapshot
//    holds, with any number of writers; the parse blocks the polling thread (extra.digest_rdb_ms).
// With engine.digest=false the snapshot reports no digest, and verify fails saying so. digest()
// returns the error when the server cannot be read (never a made-up digest).
//
// Figures: fork_us is the server's latest_fork_usec (fork_us_source "redis:latest_fork_usec");
// cow_bytes is rdb_last_cow_size; bytes is the RDB file's size (attach mode: found through CONFIG
// GET dir/dbfilename, unknown when not readable from here); child_duration_ms comes from the server
// log's millisecond timestamps (managed mode), else rdb_last_bgsave_time_sec (whole seconds):
// extra.child_duration_source says which. Probes the driver takes around the snapshot (RSS,
// faults) describe the rpbench process, not the server.
//
// SIGPIPE: the first connection sets SIGPIPE to SIG_IGN if it has its default action, so a server
// dying mid-write gives EPIPE (an error) instead of killing rpbench.
#pragma once
#include "engines/registry.h"

namespace rpbench {

inline constexpr EngineInfo kRedisEngineInfo{
    "redis",
    "a real redis-server via hiredis (BGSAVE snapshot, restart-on-RDB recovery): the fork baseline's ground truth",
    kCapStorage | kCapSnapshot | kCapRecovery | kCapConcurrentCallers | kCapDigest};

EngineEntry redis_engine_entry();

}  // namespace rpbench
