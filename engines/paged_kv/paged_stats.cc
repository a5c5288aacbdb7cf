#include "engines/paged_kv/paged_stats.h"

namespace rpbench::paged {

nlohmann::json CounterValues::to_json() const {
  nlohmann::json j;
#define RPBENCH_X(name) j[#name] = name;
  RPBENCH_PAGED_COUNTERS(RPBENCH_X)
#undef RPBENCH_X
  const uint64_t accesses = hits + misses;
  j["hit_ratio"] =
      accesses ? nlohmann::json(static_cast<double>(hits) / static_cast<double>(accesses)) : nlohmann::json(nullptr);
  j["fetch_us_mean"] = misses ? nlohmann::json(static_cast<double>(fetch_ns) / static_cast<double>(misses) / 1e3)
                              : nlohmann::json(nullptr);
  j["fetch_us_max"] = misses ? nlohmann::json(static_cast<double>(fetch_ns_max) / 1e3) : nlohmann::json(nullptr);
  return j;
}

CounterValues CounterValues::since(const CounterValues& b) const {
  CounterValues d;
#define RPBENCH_X(name) d.name = name - b.name;
  RPBENCH_PAGED_COUNTERS(RPBENCH_X)
#undef RPBENCH_X
  d.fetch_ns_max = fetch_ns_max;
  d.rebuild_ns_max = rebuild_ns_max;
  return d;
}

CounterValues Counters::values() const {
  CounterValues v;
#define RPBENCH_X(name) v.name = name.load(std::memory_order_relaxed);
  RPBENCH_PAGED_COUNTERS(RPBENCH_X)
#undef RPBENCH_X
  return v;
}

}  // namespace rpbench::paged
