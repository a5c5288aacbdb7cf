// The typed config the driver runs: every field of the resolved config lands in a member here,
// through the declarations in fields.cc (each field names the member it fills; its default is
// that member's value in a default-constructed ExperimentConfig). The resolved JSON stays the
// record of what ran and is echoed into the result.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/field.h"
#include "harness/allocator.h"
#include "harness/progress_mode.h"
#include "measure/pacer.h"
#include "transport/options.h"
#include "workloads/spec.h"

namespace rpbench {

enum class PhaseType { kLoad, kRun, kSnapshot, kRecover, kVerify, kCompact };
inline constexpr config::NameTable<PhaseType, 6> kPhaseTypeNames{{{PhaseType::kLoad, "load"},
                                                                  {PhaseType::kRun, "run"},
                                                                  {PhaseType::kSnapshot, "snapshot"},
                                                                  {PhaseType::kRecover, "recover"},
                                                                  {PhaseType::kVerify, "verify"},
                                                                  {PhaseType::kCompact, "compact"}}};

enum class Loop { kClosed, kOpen };
inline constexpr config::NameTable<Loop, 2> kLoopNames{{{Loop::kClosed, "closed"}, {Loop::kOpen, "open"}}};
inline constexpr config::NameTable<measure::Arrival, 2> kArrivalNames{
    {{measure::Arrival::kUniform, "uniform"}, {measure::Arrival::kPoisson, "poisson"}}};

// The limits of the harness's own fields (fields.cc declares them; the driver relies on them).
inline constexpr uint32_t kMaxThreads = 256;
inline constexpr double kMaxKeys = 1e10;
inline constexpr double kMaxPhaseSeconds = 86400;

struct PhaseConfig {
  PhaseType type = PhaseType::kRun;
  std::string name;       // default: the type, numbered when repeated ("run-2")
  double duration_s = 0;  // run: 0 = no time limit (ops must be set)
  uint64_t ops = 0;       // run: 0 = no op limit; load: keys to insert (default dataset.keys)
  std::vector<double> snapshot_at_s;
  uint64_t snapshot_every_ops = 0;
  double timeout_s = 600;            // a snapshot not done by then fails the experiment
  uint64_t sample_keys = 1000;       // verify: keys checked value by value
  workloads::WorkloadSpec workload;  // the experiment's workload with this phase's overrides

  std::string_view type_name() const { return config::name_of(kPhaseTypeNames, type); }
};

// measure.memory_limit: off; fixed (memory.max = measure.memory_max_bytes); budget (memory.max =
// what the memory estimate gives this process: the engine's budget, e.g. paged-kv's cache plus
// its index, plus a fork's copies and the warm-up, and measure.memory_headroom_bytes).
enum class MemoryLimit { kOff, kFixed, kBudget };
inline constexpr config::NameTable<MemoryLimit, 3> kMemoryLimitNames{
    {{MemoryLimit::kOff, "off"}, {MemoryLimit::kFixed, "fixed"}, {MemoryLimit::kBudget, "budget"}}};

struct MeasureConfig {
  Loop loop = Loop::kClosed;
  double rate = 10000;
  measure::Arrival arrival = measure::Arrival::kUniform;
  uint64_t spin_us = 2000;
  double timeline_ms = 10;
  bool memory_warmup = false;
  uint64_t memory_warmup_bytes = 0;
  ProgressMode progress = ProgressMode::kAuto;
  uint64_t snapshot_poll_us = 1000;
  bool allow_oversubscribe = false;              // run even when the memory estimate exceeds MemAvailable
  MemoryLimit memory_limit = MemoryLimit::kOff;  // a cgroup v2 memory.max over the run (harness/memory_limit.h)
  uint64_t memory_max_bytes = 0;
  uint64_t memory_headroom_bytes = 256ull << 20;

  bool open_loop() const { return loop == Loop::kOpen; }
};

// The dataset and workload defaults of a config (the remote-memory KV contest's value-size mix
// for dist buckets).
workloads::WorkloadSpec default_workload();

struct ExperimentConfig {
  nlohmann::json resolved;  // the resolved config, echoed into the result
  std::string name = "experiment";
  std::string description;
  uint64_t seed = 42;
  std::string engine_type = "memory";
  Allocator allocator = Allocator::kGlibc;
  transport::TransportOptions transport;                  // the whole transport section
  workloads::WorkloadSpec workload = default_workload();  // dataset + workload sections
  uint32_t threads = 1;
  // workload.client "I/N": this process is client I of N running the experiment at once; its
  // threads are threads I*threads .. of N*threads, so the clients' streams never repeat each
  // other's keys (`rpbench merge` joins their results).
  std::string client = "0/1";
  uint32_t client_index = 0;
  uint32_t client_count = 1;
  std::optional<std::string> trace;  // replay this op stream instead of generating one
  MeasureConfig measure;
  std::vector<PhaseConfig> phases;
};

// Builds the typed config from a resolved config (load_config's output). Throws
// config::ConfigError when the workload library rejects the spec.
ExperimentConfig make_experiment(const nlohmann::json& resolved);

// Rough bytes the loaded dataset occupies (keys + values + per-key overhead), for warm-up sizing.
uint64_t estimated_dataset_bytes(const ExperimentConfig& cfg);

}  // namespace rpbench
