// merge_results(): the results of one experiment run by several
// clients at once (the same config, each with its own workload.client I/N, against one server or
// memory node) joined into one result, as if one client had run all their threads:
//  - per phase, ops, errors and not-found counts and ops/s summed; the duration is the longest;
//  - latency histograms (all, normal, during snapshot, service time, per op type) merged bucket
//    by bucket from the raw buckets, so every percentile is exact;
//  - timelines aligned by the phases' wall-clock starts (started_unix_ms) to the interval grid:
//    ops summed and max_ns exact; an interval's p50_ns and p99_ns are the largest of the clients'
//    (an upper bound of the union's quantile: it lies between the clients' smallest and largest),
//    which the merged timeline's "merged" note says;
//  - every client's context and engine report kept under merged.clients[].
// Refused with the reason: results of different experiments (configs that differ beyond
// workload.client), a client missing or given twice, failed results, different schema versions,
// and phases whose figures cannot be summed (snapshot, recover, verify, compact: each client's
// own figures; merge their load and run phases).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status_or.h"

namespace rpbench {

struct NamedResult {
  std::string name;  // the file it came from (for messages and merged.clients[].file)
  nlohmann::json doc;
};

StatusOr<nlohmann::json> merge_results(const std::vector<NamedResult>& results);

}  // namespace rpbench
