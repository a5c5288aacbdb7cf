// The local baselines `rpbench probe transport` compares a transport against, measured in the same
// run and the same way as the transport's points (bytes moved / wall time, GB/s = 10^9 bytes/s):
//  - memcpy (for shm): one thread copies `size` bytes from a warm source buffer of `size` bytes to
//    rotating offsets of a warm destination of `dest_bytes` (the region's size), so the copy walks
//    the same footprint as the transport's writes to its region;
//  - socket stream (for tcp): a forked child reads a TCP loopback stream into a buffer of `size`
//    bytes while the parent sends `size`-byte messages: no framing, no acks. The time runs until
//    the child has read every byte (it reports the total back once the parent shuts down writing).
#pragma once
#include <cstdint>

namespace rpbench::probe {

struct BaselinePoint {
  uint64_t size_bytes = 0;
  uint64_t transfers = 0;  // copies / messages
  uint64_t bytes = 0;
  double seconds = 0;
  double gb_per_s() const { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
  double transfers_per_s() const { return seconds > 0 ? static_cast<double>(transfers) / seconds : 0; }
};

// At least `min_transfers` copies, and copies until `seconds` have passed. Throws
// std::invalid_argument when size is 0 or larger than dest_bytes, std::runtime_error when the
// buffers cannot be mapped.
BaselinePoint measure_memcpy(uint64_t size, uint64_t dest_bytes, double seconds, uint64_t min_transfers);

// At least `min_transfers` messages, sending until `seconds` have passed. Throws
// std::runtime_error (naming the step and the OS error) when the socket, the fork or the child fails.
BaselinePoint measure_socket_stream(uint64_t size, double seconds, uint64_t min_transfers);

}  // namespace rpbench::probe
