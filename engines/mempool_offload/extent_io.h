// The pool's extent moving between local memory and a slot of the memory node's region, in
// chunk_bytes transfers with at most `window` in flight (remote/buffer_poster.h), checksummed
// (XXH3-64, remote/checksum.h) on the way:
//   write, copying:  each chunk is copied into one of `window` staging buffers (registered once)
//                    and written from there; the checksum is taken while the copy is cache-hot.
//   write, direct:   [src, src + len) is registered itself and each chunk written from it.
//   read:            [dst, dst + len) is registered and each chunk read into place; the checksum
//                    follows the chunks in order as they land.
// No serialization and no parse: the bytes are the pool's. Used by the fork child (fork-copy,
// fork-direct), by the parent (pause) and by recovery, each over its own idle transport.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

#include "base/status.h"
#include "transport/transport.h"

namespace rpbench::mempool {

struct ExtentIo {
  uint64_t chunk_bytes = 4 << 20;
  int window = 2;
  std::chrono::milliseconds stall{60000};
  std::function<void()> after_first_chunk;  // a test hook (the child's pause), or empty
};

struct ExtentIoStats {
  uint64_t bytes = 0;
  uint64_t chunks = 0;
  int64_t register_ns = 0;                  // registering the source/destination (direct, read) or the staging buffers
  int64_t copy_ns = 0;                      // copying into the staging buffers (fork-copy)
  int64_t checksum_ns = 0;                  // the checksum, where it does not overlap a copy
  int64_t wait_ns = 0;                      // waiting for a transfer to complete before the next could go
  int64_t busy_ns = 0;                      // wall time with at least one transfer in flight
  uint64_t start_ns = 0, data_done_ns = 0;  // measure::now_ns(): first post, last completion
  double prefault_us = 0;                   // the staging buffers' prefault
};

Status write_extent(transport::Transport& t, const char* src, uint64_t len, uint64_t remote_off, bool copy,
                    const ExtentIo& io, uint64_t* checksum, ExtentIoStats* st);
Status read_extent(transport::Transport& t, char* dst, uint64_t len, uint64_t remote_off, const ExtentIo& io,
                   uint64_t* checksum, ExtentIoStats* st);

}  // namespace rpbench::mempool
