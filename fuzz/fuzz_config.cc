// fuzz_config: the config loader and validator on arbitrary text, as `rpbench validate` runs them
// on a file's text: parse (comments allowed, the structural scan first), resolve (presets, the
// declarations, the cross-field rules, the engine's own check), bind into an ExperimentConfig and
// estimate its memory. Bad input must come out as a ConfigError (validate's exit status 2);
// anything else escaping the loader is a bug, and the uncaught exception crashes the target.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/config_error.h"
#include "harness/config/experiment.h"
#include "harness/config/loader.h"
#include "harness/memory_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json resolved = rpbench::config::load_config_text(text, "fuzz input", {});
    // A config naming a trace makes make_experiment open that path: the fuzzer is not to read
    // files of the machine's (fuzz_trace reads traces).
    if (resolved.at("workload").contains("trace")) return 0;
    const rpbench::ExperimentConfig cfg = rpbench::make_experiment(resolved);
    const rpbench::MemoryEstimate memory = rpbench::estimate_memory(cfg);
    (void)rpbench::check_memory(memory, /*allow=*/false);
  } catch (const rpbench::config::ConfigError&) {
    // Bad input, reported the way validate reports it.
  }
  return 0;
}
