// BufferPoster: whole buffers of a StreamBuffers set moving over one Transport: post() starts the
// transfer of buffer i (a WRITE of a filled buffer, or a READ into a free one; the transport cuts
// it into chunks over its channels), reap() returns the buffers whose transfers completed. It
// keeps the figures the engine reports: transfers, bytes, and the busy time (wall time during
// which at least one transfer was in flight, as far as reap() saw: call it often for a precise
// figure).
//
// The first failed transfer sticks: it is returned by every later call, naming the buffer, its
// place in the stream and the transport's error. Used by one thread (the fork child in
// child-connect, the parent's posting thread in parent-posts, the recovering thread).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "transport/transport.h"

namespace rpbench::remote {

struct PostStats {
  uint64_t transfers = 0;
  uint64_t bytes = 0;
  int64_t busy_ns = 0;
  uint64_t first_post_ns = 0;       // measure::now_ns() of the first post (0: none)
  uint64_t last_completion_ns = 0;  // of the last completion seen
};

class BufferPoster {
 public:
  // `buf` is the transport's id of the whole buffer set, buffer i at local offset i * bytes_each.
  // `stall` bounds a wait in which no transfer completes (the transports fail a hung node
  // themselves; this only guards against one that never answers at all).
  BufferPoster(transport::Transport& t, transport::BufferId buf, uint64_t bytes_each, std::chrono::milliseconds stall);

  // Starts the transfer of the first `len` bytes of buffer `index` to/from the region at `remote_off`.
  Status post(transport::Op op, int index, uint64_t len, uint64_t remote_off);
  // Appends the buffers whose transfers completed to *done (in completion order), waiting up to
  // `wait` for at least one when some are in flight (0: never blocks).
  Status reap(std::vector<int>* done, std::chrono::milliseconds wait);
  // Waits until at least one buffer is done (appended to *done); error when none is in flight.
  Status reap_one(std::vector<int>* done);
  // Waits for every transfer in flight.
  Status drain(std::vector<int>* done);

  size_t in_flight() const { return in_flight_; }
  const Status& status() const { return failed_; }
  const PostStats& stats() const { return stats_; }

 private:
  struct Posted {
    transport::Op op;
    uint64_t len = 0;
    uint64_t remote_off = 0;
    bool busy = false;
  };

  transport::Transport& t_;
  transport::BufferId buf_;
  uint64_t bytes_each_;
  std::chrono::milliseconds stall_;
  std::vector<Posted> posted_;  // by buffer index
  size_t in_flight_ = 0;
  uint64_t busy_since_ns_ = 0;
  PostStats stats_;
  Status failed_;
};

}  // namespace rpbench::remote
