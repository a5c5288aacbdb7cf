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
// any get/del/begin_snapshot/digest/recover, every connection's outstanding SETs are sent and
// their replies read (so a read sees every put issued before it, from any thread). A run phase
// that wants per-op SET latency sets engine.pipeline_depth=1.
//
// Digest: with engine.digest=true (default) begin_snapshot digests the whole keyspace (SCAN +
// MGET on the control connection, rpbench::ContentDigest) right before BGSAVE and the snapshot
// reports it; digest() computes the same over the current keyspace. Limitation: with several
// client threads, the other threads may write between the digest scan and the fork, so the
// snapshot's digest can differ from the RDB's content; verify is exact with one client thread.
// The scan blocks the calling thread (its time is in the snapshot's extra.digest_scan_ms).
#pragma once
#include "engines/registry.h"

namespace rpbench {

EngineEntry redis_engine_entry();

}  // namespace rpbench
