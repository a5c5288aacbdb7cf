// Bookkeeping shared by the shm, tcp and verbs transports (internal): the registered local
// buffers, the argument checks of post(), the cut of a transfer into chunks, and the transfers in
// flight. A transfer is split into chunk_count() chunks of at most chunk_bytes; it completes once,
// when its last chunk has, and is ok only if every chunk was (the first chunk error is what it
// reports).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <unordered_map>

#include "base/status.h"
#include "transport/transport.h"

namespace rpbench::transport::detail {

// What a transport keeps with a registered buffer beyond its range (verbs: the memory
// registration), owned by the buffer's entry and destroyed with it.
struct BufferExtension {
  virtual ~BufferExtension() = default;
  // In a forked child's copy of the transport: forget what it holds without releasing it (it is
  // the parent's).
  virtual void abandon() {}
};

struct LocalBuffer {
  uint8_t* addr = nullptr;
  uint64_t len = 0;
  uint64_t users = 0;                          // transfers in flight that use it (deregistering then is refused)
  std::unique_ptr<BufferExtension> extension;  // null for shm and tcp
};

class BufferTable {
 public:
  // register_buffer()'s argument checks (non-null address and id, length > 0), for a transport
  // that must check before it does its own work on the range (verbs registers it first).
  static Status check(const void* addr, size_t len, const BufferId* id);
  Status add(void* addr, size_t len, BufferId* id, std::unique_ptr<BufferExtension> extension = nullptr);
  // Refused while a transfer in flight uses the buffer.
  Status remove(BufferId id);
  LocalBuffer* find(BufferId id);
  const LocalBuffer* find(BufferId id) const;
  // Forgets every buffer (close(): after the transport can no longer touch them).
  void clear() { buffers_.clear(); }
  // A forked child's copy: abandons every extension (BufferExtension::abandon), then forgets all.
  void abandon();

 private:
  std::unordered_map<BufferId, LocalBuffer> buffers_;
  BufferId next_ = 1;
};

// Checks post()'s arguments: a known op and buffer, len > 0, [local_off, local_off + len) inside
// the buffer, [remote_off, remote_off + len) inside a region of region_bytes (overflow-safe).
Status check_post(const BufferTable& buffers, Op op, BufferId buf, uint64_t local_off, uint64_t len,
                  uint64_t remote_off, uint64_t region_bytes);

// How many chunks a transfer of len bytes is cut into (len > 0, chunk_bytes > 0).
inline uint64_t chunk_count(uint64_t len, uint64_t chunk_bytes) { return (len + chunk_bytes - 1) / chunk_bytes; }

// The waiting loop of wait() and close(): progress(), then, until done() or `deadline`,
// block(deadline) (sleep until the transport can move) and progress() again.
template <class Progress, class Block, class Done>
void progress_until(std::chrono::steady_clock::time_point deadline, Progress progress, Block block, Done done) {
  progress();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    block(deadline);
    progress();
  }
}

class TransferTable {
 public:
  using Id = uint64_t;
  explicit TransferTable(BufferTable& buffers) : buffers_(buffers) {}

  // A new transfer of `chunks` chunks; holds the buffer until the transfer completes.
  Id begin(uint64_t tag, uint64_t len, BufferId buf, uint64_t chunks);
  // One chunk of transfer `id` finished with `status`; after the last one the transfer's
  // Completion is queued for take().
  void chunk_done(Id id, const Status& status);
  // Moves up to out.size() queued completions into `out`.
  size_t take(std::span<Completion> out);

  size_t active() const { return active_.size(); }  // transfers with chunks still outstanding
  size_t ready() const { return ready_.size(); }    // completed, not yet taken
  size_t pending() const { return active() + ready(); }
  // Forgets every transfer (close()): their buffers are released, no completion is queued.
  void clear();

 private:
  struct Transfer {
    uint64_t tag = 0;
    uint64_t len = 0;
    BufferId buf = 0;
    uint64_t chunks_left = 0;
    Status status;
  };
  void release(BufferId buf);

  BufferTable& buffers_;
  std::unordered_map<Id, Transfer> active_;
  std::deque<Completion> ready_;
  Id next_ = 1;
};

}  // namespace rpbench::transport::detail
