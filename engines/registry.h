// The registry: one explicit list of engines by name (no self-registration through static
// constructors). `rpbench list` prints it; the config layer validates `engine.*` against each
// entry's declared options (and its cross-field check); the driver creates engines through it.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/field.h"
#include "base/status_or.h"
#include "engines/engine.h"
#include "transport/options.h"

namespace rpbench {

// What an engine factory receives: its own validated options (the resolved `engine` section,
// defaults filled), and the experiment's seed and resolved config for anything else it needs
// (dataset.keys to size a table, the transport section for a remote-memory engine).
struct EngineOpenArgs {
  const nlohmann::json& options;     // resolved `engine` section
  const nlohmann::json& experiment;  // the whole resolved config
  uint64_t seed = 0;
  transport::TransportOptions transport;  // the resolved `transport` section (type none: no remote memory)
};

// A problem a cross-field check found: the field's path (relative to the config's root) and what
// is wrong with it.
struct ConfigProblem {
  std::string path;
  std::string message;
};

struct EngineEntry {
  EngineInfo info;                     // name, summary, capabilities: the engine's own constant
  std::vector<config::Field> options;  // engine-specific options, paths relative to `engine`
  // Checks that need more than one field (e.g. an address that only attach mode takes), on the
  // resolved config; validate runs it, so it refuses what open would. Empty: none.
  std::function<std::optional<ConfigProblem>(const nlohmann::json& resolved)> check;
  // The bytes the engine keeps (in this process or its server) for a dataset the harness estimates
  // at `dataset_bytes`, for the memory pre-flight check; empty: dataset_bytes.
  std::function<uint64_t(const nlohmann::json& resolved, uint64_t dataset_bytes)> memory_bytes;
  // True for an engine whose snapshots do not fork (no copy-on-write to budget for).
  bool snapshots_without_fork = false;
  // Creates and opens the engine; a Status naming what failed when it cannot.
  std::function<StatusOr<std::unique_ptr<Engine>>(const EngineOpenArgs&)> open;
};

// All engines, in the order `rpbench list` prints them.
const std::vector<EngineEntry>& engine_registry();
// nullptr when no engine has that name.
const EngineEntry* find_engine(std::string_view name);

}  // namespace rpbench
