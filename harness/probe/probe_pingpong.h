// `rpbench probe pingpong`: the rdma-pingpong engine's stream against its two baselines, measured
// in the same run on the same store and the same buffers:
//   serialize  the RDB stream written into the N buffers in memory (the snapshot child's work
//              without any transfer: traversal, copy into the buffer, CRC64, digest, checksum);
//   write      `rpbench probe transport`'s bandwidth point for writes of one buffer's size with N
//              outstanding, over a fresh connection to the same node (the transport's best for
//              that size);
//   snapshot   full snapshots of the engine (fork, stream, commit), for each fork mode asked for.
// It reports the medians and whether the targets of the engine's issue hold: overlap ratio <=
// 1.15, and snapshot MB/s >= 0.9 x min(serialize MB/s, write MB/s), where serialize is measured in
// a fork child (its first pass over the store after fork() is slower than the parent's: a cost of
// the fork, not of the pipeline; the in-process figure and ratio are reported too). The result
// document has kind
// "probe-pingpong" (by default results/probe/pingpong-<transport>.json).
#pragma once
#include "base/status.h"

namespace rpbench::probe {

// argv[0] "probe", argv[1] "pingpong", then flags (see --help). Like run_transport_probe_command.
Status run_pingpong_probe_command(int argc, char** argv);

}  // namespace rpbench::probe
