// The registry: one explicit list of engines by name (no self-registration through static
// constructors). `rpbench list` prints it; the config layer validates `engine.*` against each
// entry's declared options; the driver creates engines through it.
#pragma once
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engines/engine.h"
#include "base/field.h"

namespace rpbench {

// What an engine factory receives: its own validated options (the resolved `engine` section,
// defaults filled), and the experiment's seed and resolved config for anything else it needs.
struct EngineOpenArgs {
  const nlohmann::json& options;        // resolved `engine` section
  const nlohmann::json& experiment;     // the whole resolved config
  uint64_t seed = 0;
};

struct EngineEntry {
  std::string name;
  std::string summary;  // one line for `rpbench list`
  uint32_t capabilities = 0;
  std::vector<config::Field> options;  // engine-specific options, paths relative to `engine`
  // Creates and opens the engine; throws std::runtime_error with a clear message when it cannot.
  std::function<std::unique_ptr<Engine>(const EngineOpenArgs&)> open;
};

// All engines, in the order `rpbench list` prints them.
const std::vector<EngineEntry>& engine_registry();
// nullptr when no engine has that name.
const EngineEntry* find_engine(const std::string& name);

}  // namespace rpbench
