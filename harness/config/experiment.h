// The typed view of a resolved config that the driver runs: built once from the resolved JSON
// (which stays the record of what ran and is echoed into the result).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transport/options.h"

#include "workloads/spec.h"

namespace rpbench {

enum class PhaseType { kLoad, kRun, kSnapshot, kRecover, kVerify };

struct PhaseConfig {
  PhaseType type = PhaseType::kRun;
  std::string type_name;
  std::string name;
  double duration_s = 0;        // run: 0 = no time limit (ops must be set)
  uint64_t ops = 0;             // run: 0 = no op limit; load: keys to insert
  std::vector<double> snapshot_at_s;
  uint64_t snapshot_every_ops = 0;
  double timeout_s = 600;
  uint64_t sample_keys = 0;  // verify: keys checked value by value
  workloads::WorkloadSpec workload;  // the experiment's workload with this phase's overrides
};

struct MeasureConfig {
  bool open_loop = false;
  double rate = 0;
  bool poisson = false;
  double timeline_ms = 10;
  bool memory_warmup = false;
  uint64_t memory_warmup_bytes = 0;
  std::string progress = "auto";
  uint64_t snapshot_poll_us = 1000;
  uint64_t spin_us = 2000;
};

struct ExperimentConfig {
  nlohmann::json resolved;
  std::string name;
  uint64_t seed = 0;
  std::string engine_type;
  std::string allocator;
  std::string transport;                      // transport.type
  transport::TransportOptions transport_options;  // the whole transport section
  workloads::WorkloadSpec workload;
  uint32_t threads = 1;
  std::string trace;  // empty: generate
  MeasureConfig measure;
  std::vector<PhaseConfig> phases;
};

// Builds the typed config from a resolved config (load_config's output). Throws ConfigError
// when the workload library rejects the spec.
ExperimentConfig make_experiment(const nlohmann::json& resolved);

// The typed transport options of a resolved `transport` section.
transport::TransportOptions transport_options(const nlohmann::json& transport_section);

// Rough bytes the loaded dataset occupies (keys + values + per-key overhead), for warm-up sizing.
uint64_t estimated_dataset_bytes(const ExperimentConfig& cfg);

}  // namespace rpbench
