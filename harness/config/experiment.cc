#include "harness/config/experiment.h"

#include <stdexcept>

#include "base/config_error.h"

namespace rpbench {

using nlohmann::json;

namespace {

PhaseType phase_type(const std::string& t) {
  if (t == "load") return PhaseType::kLoad;
  if (t == "run") return PhaseType::kRun;
  if (t == "snapshot") return PhaseType::kSnapshot;
  if (t == "recover") return PhaseType::kRecover;
  return PhaseType::kVerify;
}

workloads::WorkloadSpec workload_spec(const json& r) {
  workloads::WorkloadSpec w;
  const json& ds = r.at("dataset");
  const json& wl = r.at("workload");
  w.key_count = ds.at("keys").get<uint64_t>();
  w.key_size = ds.at("key_size").get<uint32_t>();
  w.seed = r.at("seed").get<uint64_t>();
  const json& vs = ds.at("value_size");
  w.value_size.dist = vs.at("dist").get<std::string>();
  w.value_size.size = vs.at("size").get<uint32_t>();
  w.value_size.min = vs.at("min").get<uint32_t>();
  w.value_size.max = vs.at("max").get<uint32_t>();
  for (const auto& b : vs.at("buckets"))
    w.value_size.buckets.push_back({b[0].get<uint32_t>(), b[1].get<uint32_t>(), b[2].get<double>()});
  const json& keys = wl.at("keys");
  w.keys.dist = keys.at("dist").get<std::string>();
  w.keys.theta = keys.at("theta").get<double>();
  w.keys.hot_key_fraction = keys.at("hot_key_fraction").get<double>();
  w.keys.hot_op_fraction = keys.at("hot_op_fraction").get<double>();
  const json& mix = wl.at("mix");
  w.mix.read = mix.at("read").get<double>();
  w.mix.update = mix.at("update").get<double>();
  w.mix.insert = mix.at("insert").get<double>();
  w.mix.del = mix.at("delete").get<double>();
  w.mix.rmw = mix.at("rmw").get<double>();
  return w;
}

}  // namespace

transport::TransportOptions transport_options(const json& t) {
  transport::TransportOptions o;
  o.type = t.at("type").get<std::string>();
  o.memnode = t.at("memnode").get<std::string>();
  o.listen_address = t.at("listen_address").get<std::string>();
  o.channels = t.at("channels").get<int>();
  o.queue_depth = t.at("queue_depth").get<int>();
  o.chunk_bytes = t.at("chunk_bytes").get<uint64_t>();
  o.region = t.at("region").get<uint32_t>();
  o.region_bytes = t.at("region_bytes").get<uint64_t>();
  o.prefault = t.at("prefault").get<bool>();
  if (t.contains("token")) o.token = t.at("token").get<std::string>();
  o.connect_timeout_ms = t.at("connect_timeout_ms").get<int>();
  o.io_timeout_ms = t.at("io_timeout_ms").get<int>();
  o.link.bandwidth_gbps = t.at("link").at("bandwidth_gbps").get<double>();
  o.link.latency_us = t.at("link").at("latency_us").get<double>();
  const json& v = t.at("verbs");
  o.verbs.device = v.at("device").get<std::string>();
  o.verbs.port = v.at("port").get<int>();
  o.verbs.gid_index = v.at("gid_index").get<int>();
  o.verbs.signal_every = v.at("signal_every").get<int>();
  o.verbs.max_inline = v.at("max_inline").get<int>();
  return o;
}

ExperimentConfig make_experiment(const json& r) {
  ExperimentConfig c;
  c.resolved = r;
  c.name = r.at("name").get<std::string>();
  c.seed = r.at("seed").get<uint64_t>();
  c.engine_type = r.at("engine").at("type").get<std::string>();
  c.allocator = r.at("engine").at("allocator").get<std::string>();
  c.transport = r.at("transport").at("type").get<std::string>();
  c.transport_options = transport_options(r.at("transport"));
  c.workload = workload_spec(r);
  try {
    workloads::check_spec(c.workload);
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError("workload", e.what());
  }
  const json& wl = r.at("workload");
  c.threads = wl.at("threads").get<uint32_t>();
  if (wl.contains("trace")) c.trace = wl.at("trace").get<std::string>();
  const json& m = r.at("measure");
  c.measure.open_loop = m.at("loop") == "open";
  c.measure.rate = m.at("rate").get<double>();
  c.measure.poisson = m.at("arrival") == "poisson";
  c.measure.timeline_ms = m.at("timeline_ms").get<double>();
  c.measure.memory_warmup = m.at("memory_warmup").get<bool>();
  c.measure.memory_warmup_bytes = m.at("memory_warmup_bytes").get<uint64_t>();
  c.measure.progress = m.at("progress").get<std::string>();
  c.measure.snapshot_poll_us = m.at("snapshot_poll_us").get<uint64_t>();
  c.measure.spin_us = m.at("spin_us").get<uint64_t>();
  for (const auto& p : r.at("phases")) {
    PhaseConfig pc;
    pc.type_name = p.at("type").get<std::string>();
    pc.type = phase_type(pc.type_name);
    pc.name = p.at("name").get<std::string>();
    if (p.contains("duration_s")) pc.duration_s = p.at("duration_s").get<double>();
    if (p.contains("ops")) pc.ops = p.at("ops").get<uint64_t>();
    if (p.contains("snapshot_at_s")) pc.snapshot_at_s = p.at("snapshot_at_s").get<std::vector<double>>();
    if (p.contains("snapshot_every_ops")) pc.snapshot_every_ops = p.at("snapshot_every_ops").get<uint64_t>();
    if (p.contains("timeout_s")) pc.timeout_s = p.at("timeout_s").get<double>();
    if (p.contains("sample_keys")) pc.sample_keys = p.at("sample_keys").get<uint64_t>();
    if (pc.type == PhaseType::kLoad && pc.ops == 0) pc.ops = c.workload.key_count;
    pc.workload = c.workload;
    if (p.contains("mix") || p.contains("keys") || p.contains("value_size")) {
      json view = r;
      if (p.contains("mix")) view["workload"]["mix"] = p["mix"];
      if (p.contains("keys")) view["workload"]["keys"] = p["keys"];
      if (p.contains("value_size")) view["dataset"]["value_size"] = p["value_size"];
      pc.workload = workload_spec(view);
      try {
        workloads::check_spec(pc.workload);
      } catch (const std::invalid_argument& e) {
        throw config::ConfigError("phases[" + std::to_string(c.phases.size()) + "]", e.what());
      }
    }
    c.phases.push_back(pc);
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
