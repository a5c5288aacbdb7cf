// PoolStore: the store of the mempool-offload engine: the kvstore (engines/kvstore/kvstore.h) built
// on PoolAlloc inside one PoolMapping, its root object allocated in the pool itself, so that the
// pool's used extent [base, top) is the whole store: the control block, the store object, its
// bucket arrays, entries, keys and values. put/get/del as Status (a full pool is
// kResourceExhausted naming the pool's size, never a crash).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status_or.h"
#include "engines/kvstore/kvstore.h"
#include "engines/mempool_offload/pool_heap.h"
#include "engines/mempool_offload/pool_mapping.h"

namespace rpbench::mempool {

using PoolKv = kvstore::BasicKvStore<PoolAlloc>;

// The store type's layout signature, checked against a recovered control block.
uint64_t store_layout_signature();

class PoolStore {
 public:
  PoolStore() = default;
  // Reserves [base, base + bytes) (PoolMapping::reserve) and builds an empty store in it.
  // huge: MADV_HUGEPAGE (true), MADV_NOHUGEPAGE (false), or no advice (nullopt).
  static StatusOr<PoolStore> create(uint64_t base, uint64_t bytes, std::optional<bool> huge);

  Status put(std::string_view key, std::string_view value);
  Status get(std::string_view key, std::string* value);  // kNotFound for a missing key
  Status del(std::string_view key);                      // kNotFound for a missing key

  // Empties the pool: the pages of its extent (and of the first `also_dirty` bytes: what a failed
  // recovery wrote) are freed and a fresh control block and empty store built.
  Status reset(uint64_t also_dirty = 0);
  // After a recovery wrote `extent` bytes of a saved pool at the base: checks the control block
  // (check_control) and takes its root as the store. On error the pool is reset (empty store).
  Status adopt(uint64_t extent);

  PoolKv& kv() { return *kv_; }
  const PoolKv& kv() const { return *kv_; }
  PoolControl& control() { return *reinterpret_cast<PoolControl*>(map_.data()); }
  const PoolControl& control() const { return *reinterpret_cast<const PoolControl*>(map_.data()); }
  PoolMapping& mapping() { return map_; }
  uint64_t base() const { return reinterpret_cast<uint64_t>(map_.data()); }
  // [base, top): what a snapshot saves.
  uint64_t extent_bytes() const { return control().top - base(); }

  // The allocator's figures: extent, live and allocated bytes, fragmentation.
  nlohmann::json report() const;

 private:
  explicit PoolStore(PoolMapping m) : map_(std::move(m)) {}
  void build();

  PoolMapping map_;
  PoolKv* kv_ = nullptr;
  std::optional<bool> huge_;
};

}  // namespace rpbench::mempool
