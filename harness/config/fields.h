// The declarations of every harness config field, by section, each bound to the member of
// ExperimentConfig (or PhaseConfig) it fills. This is the single place a harness option is named,
// typed, defaulted, bounded and described; engines declare their own options in their folders
// (EngineEntry::options), added under `engine`.
#pragma once
#include <string>
#include <vector>

#include "base/field.h"
#include "harness/config/experiment.h"

namespace rpbench::config {

struct Section {
  std::string name;  // "" for top-level fields, else "dataset", "workload", "measure", "transport", "engine"
  std::string help;
  OptionTable<ExperimentConfig> table;  // paths relative to the section
  const std::vector<Field>& fields() const { return table.fields(); }
};

// Top-level, dataset, workload, measure, transport sections (not engine, not phases).
const std::vector<Section>& harness_sections();
// The fields common to every engine (type, allocator); each engine's own options are added to them.
const Section& engine_section();

// Phase fields, with the phase types each applies to.
struct PhaseField {
  Field field;
  std::vector<std::string> phase_types;  // the phase types that accept this field
};
const std::vector<PhaseField>& phase_fields();
// The phase fields as one table: binds a resolved phase into a PhaseConfig.
const OptionTable<PhaseConfig>& phase_table();
std::vector<std::string> phase_type_names();

// Human-readable type and range of a field ("a number in [0, 1]"), for messages and --help.
std::string describe_expected(const Field& f);

}  // namespace rpbench::config
