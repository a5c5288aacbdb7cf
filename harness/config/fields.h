// The declarations of every experiment-config field, by section. This is the single place a
// harness option is named, typed, defaulted, bounded and described; engines declare their own
// options in their folders (EngineEntry::options), added under `engine`.
#pragma once
#include <string>
#include <vector>

#include "base/field.h"

namespace rpbench::config {

struct Section {
  std::string name;  // "" for top-level fields, else "dataset", "workload", ...
  std::string help;
  std::vector<Field> fields;  // paths relative to the section
};

// Top-level, dataset, workload, measure, transport sections (not engine, not phases).
const std::vector<Section>& harness_sections();
// Fields common to every engine (type, allocator); the engine's own options are added to them.
std::vector<Field> common_engine_fields();
// Phase fields, with the phase types each applies to.
struct PhaseField {
  Field field;
  std::vector<std::string> phase_types;  // the phase types that accept this field
};
const std::vector<PhaseField>& phase_fields();
const std::vector<std::string>& phase_types();

// Human-readable type and range of a field ("a number in [0, 1]"), for messages and --help.
std::string describe_expected(const Field& f);

}  // namespace rpbench::config
