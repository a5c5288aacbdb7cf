#include "engines/mempool_offload/pool_store.h"

#include <algorithm>

#include "base/hash.h"
#include "engines/kvstore/kvstore_impl.h"

namespace rpbench::kvstore {
template class BasicKvStore<mempool::PoolAlloc>;
}  // namespace rpbench::kvstore

namespace rpbench::mempool {

uint64_t store_layout_signature() {
  return (uint64_t{sizeof(PoolKv)} << 32) | (uint64_t{alignof(PoolKv)} << 16) | sizeof(PoolControl);
}

StatusOr<PoolStore> PoolStore::create(uint64_t base, uint64_t bytes, std::optional<bool> huge) {
  StatusOr<PoolMapping> m = PoolMapping::reserve(base, bytes);
  if (!m.ok()) return m.status();
  PoolStore s(std::move(*m));
  s.huge_ = huge;
  if (huge)
    if (Status st = s.map_.advise_huge(*huge); !st.ok()) return st;
  s.build();
  return s;
}

void PoolStore::build() {
  PoolControl* c = init_pool(map_.data(), map_.bytes(), kKeyHashSeed);
  PoolAlloc a{c};
  void* mem = a.allocate(sizeof(PoolKv));
  kv_ = new (mem) PoolKv(a);
  kv_->set_track_digest(false);  // as the fork engines' store: verify scans
  c->root = reinterpret_cast<uint64_t>(kv_);
  c->root_layout = store_layout_signature();
}

Status PoolStore::reset(uint64_t also_dirty) {
  // The control block may be anything after a failed recovery: its top is only a hint, clamped.
  const uint64_t top = control().top;
  const uint64_t used = top > base() ? std::min(top - base(), map_.bytes()) : map_.bytes();
  kv_ = nullptr;
  const Status s = map_.discard(std::min(std::max(used, also_dirty), map_.bytes()));
  build();
  return s;
}

Status PoolStore::adopt(uint64_t extent) {
  Status s = extent < kControlBytes || extent > map_.bytes()
                 ? Status::Corruption("an extent of " + std::to_string(extent) + " bytes cannot be a pool of " +
                                      std::to_string(map_.bytes()) + " bytes")
                 : check_control(map_.data(), map_.bytes(), extent, kKeyHashSeed, store_layout_signature());
  if (!s.ok()) {
    (void)reset(extent);
    return s;
  }
  kv_ = reinterpret_cast<PoolKv*>(control().root);
  control().reserved_bytes = map_.bytes();
  return Status::Ok();
}

Status PoolStore::put(std::string_view key, std::string_view value) {
  try {
    kv_->put(key, value);
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("the pool of " + std::to_string(map_.bytes()) +
                                     " bytes (engine.pool_bytes) is full: " + std::to_string(extent_bytes()) +
                                     " bytes used, no room for a " + std::to_string(value.size()) + "-byte value");
  }
  return Status::Ok();
}

Status PoolStore::get(std::string_view key, std::string* value) {
  return kv_->get(key, value) ? Status::Ok() : Status::NotFound();
}

Status PoolStore::del(std::string_view key) { return kv_->del(key) ? Status::Ok() : Status::NotFound(); }

nlohmann::json PoolStore::report() const {
  const PoolControl& c = control();
  const uint64_t extent = extent_bytes();
  nlohmann::json j;
  j["pool_base"] = hex_address(base());
  j["pool_bytes"] = map_.bytes();
  j["extent_bytes"] = extent;
  j["live_bytes"] = c.live_bytes;
  j["allocated_bytes"] = c.allocated_bytes;
  j["live_blocks"] = c.live_blocks;
  j["free_block_bytes"] = extent - kControlBytes - c.allocated_bytes;
  j["fragmentation"] = c.live_bytes > 0
                           ? nlohmann::json(static_cast<double>(extent) / static_cast<double>(c.live_bytes))
                           : nlohmann::json(nullptr);
  j["fragmentation_note"] = "extent_bytes / live_bytes (bytes the store asked for and holds)";
  j["huge_pages"] = !huge_ ? "default (no advice)" : *huge_ ? "madvise" : "never";
  return j;
}

}  // namespace rpbench::mempool
