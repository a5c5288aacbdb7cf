// PoolHeap: the allocator of mempool-offload's pool, whose whole state lives inside the pool, so
// that the pool's used extent, saved raw and mapped back at the same address, is the store again.
//
//   [base, base + 4 KiB)   the control block (PoolControl): magic, layout version, the pool's base
//                          and size, the bump pointer `top`, the size classes' free lists, what is
//                          live, the store's root pointer, the key hash seed, and a checksum of
//                          the block (sealed before each snapshot)
//   [base + 4 KiB, top)    blocks handed out, and free blocks on the free lists
//   [top, base + size)     never touched: zero pages that cost nothing until used
//
// Size classes: 16-byte steps up to 128 bytes (the store's entries, keys and small values), then
// four classes per power of two (160, 192, 224, 256, 320, ...), so a block wastes at most a
// quarter of its size. A block is taken from its class's free list, else cut at `top`; freeing
// pushes it on its class's list (sized deallocation: the store gives the size back, so no block
// has a header). No coalescing: a freed block serves only its own class again; the fragmentation
// this leaves is in the engine's figures (extent vs live bytes).
//
// Every pointer in the pool points into the pool (free-list links, the root), the block holds no
// function pointer, and allocation never calls out of it: the extent is position-dependent only
// on the base address, which the control block records. Not thread-safe (one caller at a time).
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "base/status.h"

namespace rpbench::mempool {

inline constexpr uint64_t kPoolMagic = 0x314c4f4f50'425052ull;  // "RPBPOOL1" little-endian
// Bump on any change to PoolControl, the size classes, or the store's layout in the pool.
inline constexpr uint32_t kPoolLayoutVersion = 1;
inline constexpr uint64_t kControlBytes = 4096;
inline constexpr int kSmallClasses = 8;   // 16 .. 128 bytes
inline constexpr int kMaxClassLog2 = 40;  // blocks up to 1 TiB
inline constexpr int kClassCount = kSmallClasses + (kMaxClassLog2 - 7) * 4;

struct FreeBlock {
  FreeBlock* next;
};

struct PoolControl {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t class_count;
  uint64_t base;            // the address this block is at: the pool's start
  uint64_t reserved_bytes;  // the pool's size
  uint64_t top;             // the end of the used extent (an address)
  uint64_t live_blocks;
  uint64_t live_bytes;       // bytes the store asked for and holds
  uint64_t allocated_bytes;  // the same, rounded up to the blocks' classes
  uint64_t hash_seed;        // the store's key hash seed
  uint64_t root;             // the address of the store (0: none yet)
  uint64_t root_layout;      // the store's layout signature (sizeof and alignment of its type)
  uint64_t checksum;         // of the block with this field zero; written by seal()
  FreeBlock* free_lists[kClassCount];
};
static_assert(sizeof(PoolControl) <= kControlBytes);

// The class of an n-byte request (n >= 1), and a class's block size.
inline int size_class(uint64_t n) {
  if (n <= 128) return n == 0 ? 0 : static_cast<int>((n - 1) >> 4);
  const int p = static_cast<int>(std::bit_width(n - 1));  // 2^(p-1) < n <= 2^p
  const uint64_t step = uint64_t{1} << (p - 3);
  const uint64_t sub = (n - (uint64_t{1} << (p - 1)) + step - 1) / step;  // 1..4
  return kSmallClasses + (p - 8) * 4 + static_cast<int>(sub) - 1;
}
inline uint64_t class_bytes(int c) {
  if (c < kSmallClasses) return static_cast<uint64_t>(c + 1) * 16;
  const int p = 8 + (c - kSmallClasses) / 4;
  const uint64_t sub = static_cast<uint64_t>((c - kSmallClasses) % 4 + 1);
  return (uint64_t{1} << (p - 1)) + sub * (uint64_t{1} << (p - 3));
}

// Writes a fresh control block at `base` (the first kControlBytes of a zeroed pool).
PoolControl* init_pool(char* base, uint64_t reserved_bytes, uint64_t hash_seed);
// The control block's checksum (over the block with its checksum field taken as zero).
uint64_t control_checksum(const PoolControl& c);
// Stores the checksum in the block.
inline void seal(PoolControl* c) { c->checksum = control_checksum(*c); }
// What is wrong with the control block at `base` for a pool of `reserved_bytes` whose extent
// is `extent` bytes long: ok, or kCorruption / kFailedPrecondition naming the field.
Status check_control(const char* base, uint64_t reserved_bytes, uint64_t extent, uint64_t hash_seed,
                     uint64_t root_layout);

// The allocator the store takes (engines/kvstore/kvstore_alloc.h): a pointer to the control
// block, which is in the pool, so a store inside the pool holding it points only into the pool.
struct PoolAlloc {
  PoolControl* pc = nullptr;

  void* allocate(size_t n) {
    if (n > (uint64_t{1} << kMaxClassLog2)) throw std::bad_alloc();
    const int c = size_class(n);
    const uint64_t bytes = class_bytes(c);
    void* p;
    if (FreeBlock* b = pc->free_lists[c]; b != nullptr) {
      pc->free_lists[c] = b->next;
      p = b;
    } else {
      if (bytes > pc->base + pc->reserved_bytes - pc->top) throw std::bad_alloc();
      p = reinterpret_cast<void*>(pc->top);
      pc->top += bytes;
    }
    ++pc->live_blocks;
    pc->live_bytes += n;
    pc->allocated_bytes += bytes;
    return p;
  }
  // Memory past `top` is zero (the pool is never written beyond it), so only a reused block is cleared.
  void* allocate_zeroed(size_t n) {
    const int c = n <= (uint64_t{1} << kMaxClassLog2) ? size_class(n) : 0;
    const bool reused = pc->free_lists[c] != nullptr;
    void* p = allocate(n);
    if (reused) std::memset(p, 0, n);
    return p;
  }
  void deallocate(void* p, size_t n) {
    const int c = size_class(n);
    auto* b = static_cast<FreeBlock*>(p);
    b->next = pc->free_lists[c];
    pc->free_lists[c] = b;
    --pc->live_blocks;
    pc->live_bytes -= n;
    pc->allocated_bytes -= class_bytes(c);
  }
};

}  // namespace rpbench::mempool
