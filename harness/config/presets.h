// Named workload presets (`"workload": {"preset": "ycsb-a"}`): each is a fragment of the
// `workload` section that the section's own fields then override, field by field.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::config {

// The preset's workload fragment, or null JSON when no preset has that name.
nlohmann::json workload_preset(const std::string& name);

}  // namespace rpbench::config
