// The hand-off of parent-posts: the parent registered the remote::StreamBuffers (MAP_SHARED) with its own
// connection before any fork; the fork child fills them and a thread of the parent posts them.
//
// The two sides talk over a SOCK_SEQPACKET socketpair (fixed-size messages, one per packet; a
// child that dies shows as end-of-file, and a send to a dead peer is an error, not SIGPIPE):
//   child -> parent   kData(index, len, stream offset)   a full buffer to write
//                     kEnd                               the stream is complete: finish the writes
//                     kCommit(bytes, checksum, digest)   commit the slot with this header
//   parent -> child   kFree(index)                       a buffer whose write completed
//                     kEndDone / kCommitted              the reply to kEnd / kCommit
//                     kFailed                            the parent's side failed (it reports why)
// The buffers themselves are the shared ring; the messages only say which one is whose.
//
// ParentPoster runs the parent's side in its own thread (started after the fork, joined when the
// snapshot ends): it competes with the foreground for a core, so its CPU time is a figure of the
// snapshot. It uses the parent's Transport, which nothing else uses while a snapshot runs.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "engines/rdma_pingpong/stream_sink.h"
#include "engines/remote/buffer_poster.h"
#include "engines/remote/remote_slots.h"

namespace rpbench::pingpong {

// The socketpair: [0] the parent's end, [1] the child's.
StatusOr<std::array<UniqueFd, 2>> handoff_socketpair();

// The child's side.
class HandoffPort final : public BufferPort {
 public:
  HandoffPort(int fd, int buffers);

  Status send(int index, uint64_t len, uint64_t stream_offset) override;
  StatusOr<int> acquire() override;
  Status finish() override;
  Status commit(const remote::SlotHeader& header) override;

 private:
  // The next message from the parent; kFree messages are taken into the free list on the way
  // unless `want` is kFree.
  StatusOr<int> await(uint32_t want);

  int fd_;
  std::deque<int> free_;
};

struct PosterResult {
  Status status;           // the posting side's own failure (a transfer, the commit); ok otherwise
  bool committed = false;  // the slot was committed (false too when the child ended without asking)
  remote::PostStats posts;
  int64_t cpu_ns = 0;         // the posting thread's CPU time
  uint64_t committed_ns = 0;  // measure::now_ns() after the commit word was written
};

class ParentPoster {
 public:
  // Starts the thread. It ends when the child has committed, failed, or gone (end-of-file).
  ParentPoster(transport::Transport& t, transport::BufferId buf, const remote::StreamBuffers& buffers,
               remote::RemoteSlots& slots, remote::RemoteSlots::Target target, uint64_t area_offset, UniqueFd fd,
               std::chrono::milliseconds stall);
  ~ParentPoster();  // joins
  ParentPoster(const ParentPoster&) = delete;
  ParentPoster& operator=(const ParentPoster&) = delete;

  // Joins the thread (once the child is gone it ends by itself) and returns what it did.
  PosterResult join();

 private:
  void run();

  remote::BufferPoster poster_;
  remote::RemoteSlots& slots_;
  remote::RemoteSlots::Target target_;
  uint64_t area_offset_;
  UniqueFd fd_;
  PosterResult result_;
  std::thread thread_;
};

// The payload format of an rdma-pingpong slot: the RDB version of its stream.
inline constexpr uint32_t kRdbStreamFormat = 10;

// The header of a finished stream (both fork modes build it the same way).
remote::SlotHeader stream_header(const remote::RemoteSlots::Target& target, uint64_t area_offset, uint64_t bytes,
                                 uint64_t checksum, const ContentDigest& digest);

}  // namespace rpbench::pingpong
