// The two measurements `rpbench probe transport` makes on one connection, modelled on perftest:
//  - a bandwidth point (ib_write_bw): `queue_depth` transfers of `size` bytes kept outstanding for
//    about `seconds` (and at least `min_transfers`), from rotating slots of a registered local
//    buffer to rotating offsets of the region; bytes moved / wall time from the first post to the
//    last completion;
//  - a latency point (ib_write_lat): one transfer at a time, each timed from post to its completion
//    with the harness's clock, into a Histogram.
// Any failed completion or post ends the point with an error naming the op, the size and the
// transport's message: a probe never reports a transfer that did not happen.
#pragma once
#include <cstdint>

#include "base/status_or.h"
#include "measure/histogram.h"
#include "transport/transport.h"

namespace rpbench::probe {

// A registered local buffer of `bytes` bytes; the points use slots of `size` bytes in it.
struct LocalBuffer {
  transport::BufferId id = 0;
  uint64_t bytes = 0;
};

struct BandwidthPoint {
  transport::Op op = transport::Op::kWrite;
  uint64_t size_bytes = 0;
  int channels = 0;
  int queue_depth = 0;
  uint64_t transfers = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  double gb_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
  double transfers_per_s() const { return seconds > 0 ? static_cast<double>(transfers) / seconds : 0; }
};

// kInvalidArgument unless size <= buf.bytes, size <= t.region_bytes() and queue_depth >= 1.
StatusOr<BandwidthPoint> measure_bandwidth(transport::Transport& t, const LocalBuffer& buf, transport::Op op,
                                           uint64_t size, int queue_depth, double seconds, uint64_t min_transfers);

// Up to `samples` timed transfers (after two untimed ones), stopping early once `seconds` have
// passed and at least `min_samples` were taken.
StatusOr<measure::Histogram> measure_latency(transport::Transport& t, const LocalBuffer& buf, transport::Op op,
                                             uint64_t size, uint64_t samples, double seconds, uint64_t min_samples);

// Writes the whole region once (in `buf.bytes` pieces, queue depth 4), so that the points that
// follow find its pages faulted in on both sides.
Status warm_region(transport::Transport& t, const LocalBuffer& buf);

}  // namespace rpbench::probe
