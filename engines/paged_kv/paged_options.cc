#include "engines/paged_kv/paged_options.h"

#include <cmath>

#include "engines/paged_kv/page_format.h"

namespace rpbench::paged {

const config::OptionTable<PagedOptions>& paged_option_table() {
  static const config::OptionTable<PagedOptions> table = [] {
    using O = PagedOptions;
    config::OptionTable<O> t;
    t.integer("shards", &O::shards, 1, 4096,
              "shards the keys are hashed into (a hash independent of the index's), each with its own lock, index and "
              "share of the cache");
    t.integer(
        "page_bytes", &O::page_bytes, kMinPageBytes, kMaxPageBytes,
        "bytes of a page: the unit of the cache, of a fetch (one READ) and of an eviction (one WRITE); a power of two");
    t.integer("cache_bytes", &O::cache_bytes, 0, static_cast<double>(int64_t{1} << 40),
              "the local page cache's budget in bytes (0: engine.cache_fraction of the dataset's bytes)");
    t.number("cache_fraction", &O::cache_fraction, 0.001, 16,
             "the cache's budget as a fraction of the dataset's record bytes, when engine.cache_bytes is 0 "
             "(1 or more: every page local)");
    t.choice("eviction", &O::eviction, kEvictionNames,
             "which cached page goes first: lru (least recently used) or clock (second chance, a bit per access)");
    t.number("rebuild_dead_fraction", &O::rebuild_dead_fraction, 0.05, 1,
             "a page whose dead bytes reach this fraction of its used bytes is rebuilt: its live records moved, its "
             "remote slot freed");
    t.boolean("rebuild", &O::rebuild, "run the rebuild in the background");
    t.integer("key_bytes", &O::key_bytes, 0, kMaxKeyBytes,
              "the one key length accepted (the contest: 16); 0: any length from 1 to 1024");
    t.integer("connections", &O::connections, 1, 64,
              "connections to the memory node shared by the client threads (each used by one thread at a time)");
    t.number(
        "index_area_fraction", &O::index_area_fraction, 0.01, 0.45,
        "fraction of the region each of the two snapshot slots takes (the index and page table); the rest holds pages");
    return t;
  }();
  return table;
}

uint64_t dataset_record_bytes(const nlohmann::json& experiment) {
  const nlohmann::json& ds = experiment.at("dataset");
  const double keys = ds.value("keys", 0.0);
  const double key_size = ds.value("key_size", 16.0);
  double mean_value = 0;
  const nlohmann::json vs = ds.value("value_size", nlohmann::json::object());
  const std::string dist = vs.value("dist", "fixed");
  if (dist == "uniform") {
    mean_value = (vs.value("min", 0.0) + vs.value("max", 0.0)) / 2;
  } else if (dist == "buckets" && vs.contains("buckets") && vs["buckets"].is_array()) {
    double weights = 0;
    for (const auto& b : vs["buckets"]) {
      if (!b.is_array() || b.size() < 3) continue;
      mean_value += b[2].get<double>() * (b[0].get<double>() + b[1].get<double>()) / 2;
      weights += b[2].get<double>();
    }
    if (weights > 0) mean_value /= weights;
  } else {
    mean_value = vs.value("size", 100.0);
  }
  return static_cast<uint64_t>(keys * (key_size + mean_value + kRecordHeaderBytes + 4));
}

uint64_t cache_budget(const PagedOptions& o) {
  if (o.cache_bytes > 0) return static_cast<uint64_t>(o.cache_bytes);
  return static_cast<uint64_t>(std::ceil(o.cache_fraction * static_cast<double>(o.dataset_bytes)));
}

std::optional<std::pair<std::string, std::string>> options_problem(const PagedOptions& o) {
  if ((o.page_bytes & (o.page_bytes - 1)) != 0)
    return std::make_pair("engine.page_bytes",
                          "engine.page_bytes " + std::to_string(o.page_bytes) + " is not a power of two");
  const uint64_t budget = cache_budget(o);
  const uint64_t frames = budget / static_cast<uint64_t>(o.page_bytes);
  if (frames < kMinFramesPerShard * static_cast<uint64_t>(o.shards))
    return std::make_pair(o.cache_bytes > 0 ? "engine.cache_bytes" : "engine.cache_fraction",
                          "a page cache of " + std::to_string(budget) + " bytes holds " + std::to_string(frames) +
                              " pages of " + std::to_string(o.page_bytes) + " bytes; " + std::to_string(o.shards) +
                              " shards need at least " + std::to_string(kMinFramesPerShard) +
                              " each: raise the cache or lower engine.shards or engine.page_bytes");
  return std::nullopt;
}

}  // namespace rpbench::paged
