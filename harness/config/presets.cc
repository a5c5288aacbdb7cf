#include "harness/config/presets.h"

#include <algorithm>

namespace rpbench::config {

// The YCSB core workloads (YCSB's workloads/workloada..f): request distribution and op mix.
// Workload E (scans) is absent: no engine here has range scans.
nlohmann::json workload_preset(const std::string& name) {
  using nlohmann::json;
  if (name == "ycsb-a")  // update heavy
    return json{{"keys", {{"dist", "zipfian"}}}, {"mix", {{"read", 0.5}, {"update", 0.5}}}};
  if (name == "ycsb-b")  // read mostly
    return json{{"keys", {{"dist", "zipfian"}}}, {"mix", {{"read", 0.95}, {"update", 0.05}}}};
  if (name == "ycsb-c")  // read only
    return json{{"keys", {{"dist", "zipfian"}}}, {"mix", {{"read", 1.0}}}};
  if (name == "ycsb-d")  // read latest
    return json{{"keys", {{"dist", "latest"}}}, {"mix", {{"read", 0.95}, {"insert", 0.05}}}};
  if (name == "ycsb-f")  // read-modify-write
    return json{{"keys", {{"dist", "zipfian"}}}, {"mix", {{"read", 0.5}, {"rmw", 0.5}}}};
  if (name == "contest")  // the mixed phase's workload; the phases come from contest_phases()
    return json{{"keys", {{"dist", "zipfian"}, {"theta", 0.99}}}, {"mix", {{"read", 0.75}, {"update", 0.25}}}};
  return nullptr;
}

ContestShape contest_shape(double scale, uint64_t threads) {
  auto scaled = [&](double per_thread) {
    const double v = per_thread * scale;
    return std::max<uint64_t>(1, static_cast<uint64_t>(v + 0.5)) * threads;
  };
  ContestShape s;
  s.keys = scaled(12e6);
  s.deletes = scaled(10e6);
  s.rewrites = scaled(10e6);
  s.mixed_ops = std::max<uint64_t>(1, static_cast<uint64_t>(64e6 * scale + 0.5));
  return s;
}

nlohmann::json contest_phases(const ContestShape& shape) {
  using nlohmann::json;
  return json::array({
      json{{"type", "load"}, {"name", "write"}, {"ops", shape.keys}},
      // Deletes walk the loaded ids in order (thread t: t, t+T, ...), as each contest thread
      // deletes the keys it wrote.
      json{{"type", "run"},
           {"name", "delete"},
           {"ops", shape.deletes},
           {"mix", {{"delete", 1.0}}},
           {"keys", {{"dist", "sequential"}}}},
      json{{"type", "load"},
           {"name", "rewrite"},
           {"ops", shape.rewrites},
           {"value_size", {{"dist", "uniform"}, {"min", 80}, {"max", 256}}}},
      json{{"type", "run"},
           {"name", "mixed"},
           {"ops", shape.mixed_ops},
           {"value_size", {{"dist", "uniform"}, {"min", 80}, {"max", 128}}}},
  });
}

}  // namespace rpbench::config
