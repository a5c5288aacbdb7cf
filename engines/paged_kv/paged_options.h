// The paged-kv engine's options, declared once (paged_option_table(); each default is the member's
// value below). The memory node and the connection are the experiment's `transport` section.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/field.h"
#include "engines/paged_kv/replacer.h"

namespace rpbench::paged {

// The fewest frames of cache a shard works with (its open page, pages in flight, a victim).
inline constexpr uint32_t kMinFramesPerShard = 4;

struct PagedOptions {
  int64_t shards = 16;
  int64_t page_bytes = 16 * 1024;  // 4 KiB misses fewer bytes, 64 KiB hits less often: README, paged-kv
  int64_t cache_bytes = 0;         // 0: cache_fraction of the dataset's bytes
  double cache_fraction = 0.25;
  Eviction eviction = Eviction::kClock;
  double rebuild_dead_fraction = 0.5;
  bool rebuild = true;                 // the background rebuild
  int64_t key_bytes = 0;               // 0: any length up to kMaxKeyBytes
  int64_t connections = 4;             // to the memory node, shared by the client threads
  double index_area_fraction = 0.125;  // of the region, for each of the two snapshot slots
  // Filled by the factory from the experiment (not config fields): the dataset's record bytes,
  // which cache_fraction is a fraction of.
  uint64_t dataset_bytes = 0;
};

const config::OptionTable<PagedOptions>& paged_option_table();

// The record bytes of the experiment's dataset (keys, values, record headers and directory
// entries), from its resolved config.
uint64_t dataset_record_bytes(const nlohmann::json& experiment);

// The cache's budget in bytes.
uint64_t cache_budget(const PagedOptions& o);

// What open and the registry's check both refuse (page size not a power of two, a cache too
// small for its shards): the field and the message, or nullopt.
std::optional<std::pair<std::string, std::string>> options_problem(const PagedOptions& o);

}  // namespace rpbench::paged
