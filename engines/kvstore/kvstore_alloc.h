// The allocator parameter of the store (kvstore.h). An allocator is a small value type with
//   void* allocate(size_t n)          n > 0 bytes, 16-byte aligned; throws std::bad_alloc when full
//   void* allocate_zeroed(size_t n)   the same, zero-filled (the hash table's bucket arrays)
//   void  deallocate(void* p, size_t n)  n: the size that was asked for
// MallocAlloc is the process heap (glibc, or jemalloc/tcmalloc preloaded: the fork-based engines,
// as Redis). It holds no state, so a store built on it is laid out and runs as before the
// parameter existed. mempool-offload passes an allocator whose whole state lives in its pool
// (engines/mempool_offload/pool_heap.h).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace rpbench::kvstore {

struct MallocAlloc {
  void* allocate(size_t n) {
    void* p = std::malloc(n);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void* allocate_zeroed(size_t n) {
    void* p = std::calloc(n, 1);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  void deallocate(void* p, size_t) { std::free(p); }
};

}  // namespace rpbench::kvstore
