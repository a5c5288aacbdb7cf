#include "harness/config/presets.h"

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
  return nullptr;
}

}  // namespace rpbench::config
