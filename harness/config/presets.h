// Named workload presets (`"workload": {"preset": "ycsb-a"}`): each is a fragment of the
// `workload` section that the section's own fields then override, field by field.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::config {

// The preset's workload fragment, or null JSON when no preset has that name.
nlohmann::json workload_preset(const std::string& name);

// The remote-memory KV contest (shared/seeds/004: 16 threads; per thread 12 M writes of 16-byte
// keys with 80-1024-byte values, 10 M deletes, 10 M writes with 80-256-byte values; then 64 M
// operations in all, 75:25 read/write with hot reads, values of sets at most 128 bytes), scaled
// by `scale` (1 = the contest's size) for `threads` client threads.
struct ContestShape {
  uint64_t keys;       // loaded by the first write phase (all threads)
  uint64_t deletes;    // the delete phase
  uint64_t rewrites;   // the second write phase
  uint64_t mixed_ops;  // the read/write phase
};
ContestShape contest_shape(double scale, uint64_t threads);
// The contest's phases for that shape.
nlohmann::json contest_phases(const ContestShape& shape);

}  // namespace rpbench::config
