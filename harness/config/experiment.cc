#include "harness/config/experiment.h"

#include <optional>
#include <stdexcept>

#include "base/config_error.h"
#include "harness/config/fields.h"
#include "workloads/trace.h"

namespace rpbench {

using nlohmann::json;

workloads::WorkloadSpec default_workload() {
  workloads::WorkloadSpec w;
  w.key_count = 100000;
  w.value_size.min = 64;
  w.value_size.max = 256;
  w.value_size.buckets = {{80, 128, 0.7}, {129, 256, 0.2}, {257, 1024, 0.1}};
  return w;
}

namespace {

// Binds the dataset and workload sections of `doc` (a resolved config, or one with a phase's
// overrides put in) into a workload spec.
workloads::WorkloadSpec bind_workload(const json& doc, uint64_t seed) {
  ExperimentConfig c;
  for (const auto& s : config::harness_sections())
    if (s.name == "dataset" || s.name == "workload") s.table.bind(&c, doc.at(s.name));
  c.workload.seed = seed;
  return c.workload;
}

void check_workload(const workloads::WorkloadSpec& w, const std::string& where) {
  try {
    workloads::check_spec(w);
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(where, e.what());
  }
}

// workload.client "I/N" with 0 <= I < N <= kMaxClients.
void parse_client(ExperimentConfig* c) {
  constexpr uint32_t kMaxClients = 4096;
  const std::string& s = c->client;
  const size_t slash = s.find('/');
  const auto number = [](const std::string& t) -> std::optional<uint32_t> {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return static_cast<uint32_t>(std::stoul(t));
  };
  const std::optional<uint32_t> i = slash == std::string::npos ? std::nullopt : number(s.substr(0, slash));
  const std::optional<uint32_t> n = slash == std::string::npos ? std::nullopt : number(s.substr(slash + 1));
  if (!i || !n || *n == 0 || *n > kMaxClients || *i >= *n)
    throw config::ConfigError("workload.client", "expected I/N with 0 <= I < N <= " + std::to_string(kMaxClients) +
                                                     " (client I of N), got \"" + s + "\"");
  c->client_index = *i;
  c->client_count = *n;
}

}  // namespace

ExperimentConfig make_experiment(const json& r) {
  ExperimentConfig c;
  c.resolved = r;
  for (const auto& s : config::harness_sections()) s.table.bind(&c, s.name.empty() ? r : r.at(s.name));
  config::engine_section().table.bind(&c, r.at("engine"));
  c.workload.seed = c.seed;
  check_workload(c.workload, "workload");
  parse_client(&c);
  if (c.trace) {
    // A trace that run would refuse is refused here, before anything starts (it is checked whole).
    const auto reader = workloads::TraceReader::open(*c.trace);
    if (!reader.ok()) throw config::ConfigError("workload.trace", reader.status().message());
  }
  for (const auto& p : r.at("phases")) {
    PhaseConfig pc;
    config::phase_table().bind(&pc, p);
    if (pc.type == PhaseType::kLoad && pc.ops == 0) pc.ops = c.workload.key_count;
    pc.workload = c.workload;
    if (p.contains("mix") || p.contains("keys") || p.contains("value_size")) {
      json view = r;
      if (p.contains("mix")) view["workload"]["mix"] = p["mix"];
      if (p.contains("keys")) view["workload"]["keys"] = p["keys"];
      if (p.contains("value_size")) view["dataset"]["value_size"] = p["value_size"];
      pc.workload = bind_workload(view, c.seed);
      check_workload(pc.workload, "phases[" + std::to_string(c.phases.size()) + "]");
    }
    c.phases.push_back(std::move(pc));
  }
  return c;
}

uint64_t estimated_dataset_bytes(const ExperimentConfig& cfg) {
  const auto& vs = cfg.workload.value_size;
  double mean_value = vs.size;
  if (vs.dist == "uniform") mean_value = (vs.min + vs.max) / 2.0;
  if (vs.dist == "buckets") {
    mean_value = 0;
    for (const auto& b : vs.buckets) mean_value += b.weight * (b.lo + b.hi) / 2.0;
  }
  const double per_key = cfg.workload.key_size + mean_value + 64;  // headers, table slot, allocator slack
  return static_cast<uint64_t>(per_key * static_cast<double>(cfg.workload.key_count));
}

}  // namespace rpbench
