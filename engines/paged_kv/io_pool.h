// IoPool: the connections to the memory node that the client threads, the background evictor and
// the snapshot share. A Transport is used by one thread at a time, so a thread borrows a
// connection for one synchronous transfer (a page READ on a miss, a page WRITE on an eviction)
// and gives it back. Each connection has the whole page cache registered (so a page moves straight
// between its frame and remote memory, no copy) and a scratch page of its own (a rebuild's
// partial reads).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status_or.h"
#include "measure/mapping.h"
#include "transport/remote_memory.h"

namespace rpbench::paged {

class IoPool {
 public:
  // `connections` new connections through `remote` (its own stays the engine's control
  // connection: snapshot slots and images); `cache` is registered with each.
  static StatusOr<std::unique_ptr<IoPool>> open(transport::RemoteMemory& remote, int connections,
                                                const measure::AnonMapping& cache, uint32_t page_bytes);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  struct Conn {
    transport::Transport* t = nullptr;
    transport::BufferId cache_buf = 0;
    transport::BufferId scratch_buf = 0;
    measure::AnonMapping scratch;
    std::unique_ptr<transport::Transport> own;
  };

  // A connection borrowed until the lease goes.
  class Lease {
   public:
    Lease(IoPool& pool, Conn& c) : pool_(&pool), c_(&c) {}
    ~Lease() { pool_->give_back(c_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Conn* operator->() const { return c_; }
    Conn& operator*() const { return *c_; }

   private:
    IoPool* pool_;
    Conn* c_;
  };
  Lease borrow();

  // Synchronous transfers between the cache (at `local_off` of the cache mapping) and the region.
  Status cache_io(transport::Op op, uint64_t local_off, uint64_t len, uint64_t remote_off);
  int size() const { return static_cast<int>(conns_.size()); }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  explicit IoPool(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  void give_back(Conn* c);

  std::vector<std::unique_ptr<Conn>> conns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Conn*> idle_;
  std::chrono::milliseconds timeout_;
};

}  // namespace rpbench::paged
