// The local baselines `rpbench probe transport` compares a transport against, measured in the same
// run and the same way as the transport's points (bytes moved / wall time, GB/s = 10^9 bytes/s).
// Both touch the memory the transport's points touch, so that the ratio measures the transport and
// not a cache: the source rotates over `source_slots` slots of `size` bytes (the probe passes the
// rotation of its deepest-queue points: one local slot per outstanding transfer), the destination
// over the `dest_bytes / size` slots of a warm region-sized buffer.
//  - memcpy (for shm): one thread copies slot by slot;
//  - socket stream (for tcp): the parent sends `size`-byte messages over one TCP loopback
//    connection, cut into send() calls of at most `send_bytes` as the transport cuts its transfers
//    into chunks, no framing, no acks; a forked child recv()s them into its rotating destination.
//    The time runs until the child has read every byte (it reports the total back once the parent
//    shuts down writing).
#pragma once
#include <cstdint>

#include "base/status_or.h"

namespace rpbench::probe {

struct BaselinePoint {
  uint64_t size_bytes = 0;
  uint64_t transfers = 0;  // copies / messages
  uint64_t bytes = 0;
  double seconds = 0;
  double gb_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
  double transfers_per_s() const { return seconds > 0 ? static_cast<double>(transfers) / seconds : 0; }
};

struct BaselineShape {
  uint64_t size = 0;          // bytes per copy / message
  uint64_t source_slots = 1;  // the source rotates over this many size-byte slots
  uint64_t dest_bytes = 0;    // the destination: a warm buffer of this many bytes, rotating offsets
  uint64_t send_bytes = 0;    // socket stream: at most this many bytes per send() (the transport's
                              // chunk_bytes: large sends are slower here); 0: size
};

// At least `min_transfers` copies, and copies until `seconds` have passed. kInvalidArgument when
// size or source_slots is 0 or size is larger than dest_bytes, an OS error when the buffers
// cannot be mapped.
StatusOr<BaselinePoint> measure_memcpy(const BaselineShape& shape, double seconds, uint64_t min_transfers);

// At least `min_transfers` messages, sending until `seconds` have passed. kInvalidArgument for a
// shape measure_memcpy refuses, an error naming the step and the OS error when the socket, the
// fork or the child fails.
StatusOr<BaselinePoint> measure_socket_stream(const BaselineShape& shape, double seconds, uint64_t min_transfers);

}  // namespace rpbench::probe
