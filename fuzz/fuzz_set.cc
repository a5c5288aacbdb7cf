// fuzz_set: `--set PATH=VALUE` overrides (one per line of the input, at most kMaxSets) applied in
// order to a small valid config, which is then resolved and bound as `rpbench validate --set`
// does. Bad input must come out as a ConfigError; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/config_error.h"
#include "harness/config/experiment.h"
#include "harness/config/loader.h"

namespace {

constexpr size_t kMaxSets = 8;

// A small experiment every engine section can be set on (configs/quick.json, smaller).
constexpr std::string_view kBaseConfig = R"({
  "name": "fuzz-set",
  "seed": 42,
  "engine": {"type": "memory"},
  "dataset": {"keys": 1000, "key_size": 16, "value_size": {"dist": "fixed", "size": 100}},
  "workload": {"keys": {"dist": "zipfian", "theta": 0.99}, "mix": {"read": 0.75, "update": 0.25}},
  "measure": {"loop": "closed", "timeline_ms": 10},
  "phases": [{"type": "load"}, {"type": "run", "duration_s": 1}]
})";

const nlohmann::json& base_config() {
  static const nlohmann::json base = rpbench::config::parse_config_text(std::string(kBaseConfig), "fuzz base");
  return base;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  while (!input.empty() && sets.size() < kMaxSets) {
    const size_t nl = input.find('\n');
    sets.emplace_back(input.substr(0, nl));
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
  }
  nlohmann::json doc = base_config();
  try {
    for (const std::string& s : sets) rpbench::config::apply_set(doc, s);
    const nlohmann::json resolved = rpbench::config::resolve_config(doc);
    if (resolved.at("workload").contains("trace")) return 0;  // make_experiment would open the path
    (void)rpbench::make_experiment(resolved);
  } catch (const rpbench::config::ConfigError&) {
    // Bad input, reported the way validate reports it.
  }
  return 0;
}
