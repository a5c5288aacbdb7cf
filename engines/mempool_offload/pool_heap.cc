#include "engines/mempool_offload/pool_heap.h"

#include "engines/mempool_offload/pool_mapping.h"
#include "engines/remote/checksum.h"

namespace rpbench::mempool {

PoolControl* init_pool(char* base, uint64_t reserved_bytes, uint64_t hash_seed) {
  auto* c = new (base) PoolControl{};
  c->magic = kPoolMagic;
  c->layout_version = kPoolLayoutVersion;
  c->class_count = kClassCount;
  c->base = reinterpret_cast<uint64_t>(base);
  c->reserved_bytes = reserved_bytes;
  c->top = c->base + kControlBytes;
  c->hash_seed = hash_seed;
  return c;
}

uint64_t control_checksum(const PoolControl& c) {
  PoolControl copy;
  std::memcpy(&copy, &c, sizeof copy);
  copy.checksum = 0;
  return remote::checksum64(&copy, sizeof copy);
}

Status check_control(const char* base, uint64_t reserved_bytes, uint64_t extent, uint64_t hash_seed,
                     uint64_t root_layout) {
  PoolControl c;
  std::memcpy(&c, base, sizeof c);
  const uint64_t at = reinterpret_cast<uint64_t>(base);
  if (c.magic != kPoolMagic) return Status::Corruption("the pool's control block has no pool magic");
  if (c.layout_version != kPoolLayoutVersion || c.class_count != kClassCount)
    return Status::FailedPrecondition("the pool's control block has layout version " +
                                      std::to_string(c.layout_version) + " with " + std::to_string(c.class_count) +
                                      " size classes (this build: version " + std::to_string(kPoolLayoutVersion) +
                                      ", " + std::to_string(kClassCount) + ")");
  if (c.checksum != control_checksum(c)) return Status::Corruption("the pool's control block checksum does not hold");
  if (c.base != at)
    return Status::FailedPrecondition("the pool's control block was written for base " + hex_address(c.base) +
                                      ", not " + hex_address(at));
  if (c.reserved_bytes > reserved_bytes)
    return Status::FailedPrecondition("the pool was " + std::to_string(c.reserved_bytes) + " bytes, more than the " +
                                      std::to_string(reserved_bytes) + " reserved now");
  if (c.top != at + extent)
    return Status::Corruption("the pool's control block ends its extent at " + hex_address(c.top) + ", not at the " +
                              std::to_string(extent) + " bytes saved");
  if (c.hash_seed != hash_seed)
    return Status::FailedPrecondition("the pool's store was built with another key hash seed");
  if (c.root == 0 || c.root < at + kControlBytes || c.root >= c.top)
    return Status::Corruption("the pool's root pointer " + hex_address(c.root) + " is not inside its extent");
  if (c.root_layout != root_layout)
    return Status::FailedPrecondition("the pool's store has another layout (another build's store type)");
  if (c.allocated_bytes > extent)
    return Status::Corruption("the pool's control block counts more live bytes than its extent");
  return Status::Ok();
}

}  // namespace rpbench::mempool
