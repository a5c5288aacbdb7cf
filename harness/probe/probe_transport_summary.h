// The summary of a `rpbench probe transport` run, per op: the best configuration at each size
// (for information), and the ratio the target is judged on. That ratio comes from ONE
// configuration fixed in advance — the fewest channels and the deepest queue swept (a single
// pipelined stream, like both baselines) — never from the best of several: with one baseline
// sample per size, picking the best of N configurations would bias the ratio upward on a noisy
// machine. Judged: the median ratio over sizes >= 1 MiB, or the largest size's when no size
// reaches 1 MiB.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "harness/probe/probe_transport_result.h"
#include "transport/transport.h"

namespace rpbench::probe {

// The ratio a transport's write bandwidth should reach against its baseline on this machine
// (shm 0.80 of memcpy, tcp 0.70 of the socket stream); nullopt for verbs (no local baseline).
std::optional<double> target_ratio(const std::string& type);

// `no_target`: why the target is not judged in this run (a link model, a node the probe did not
// start), or "" to judge it.
std::vector<OpSummary> summarise(const std::string& type, const std::vector<transport::Op>& ops,
                                 const std::vector<BandwidthRow>& bandwidth, const std::string& no_target);

}  // namespace rpbench::probe
