#include "harness/probe/probe_transport_command.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "base/config_error.h"
#include "base/sizes.h"
#include "harness/context.h"
#include "harness/probe/probe_flags.h"
#include "harness/probe/probe_transport.h"
#include "harness/probe/probe_transport_json.h"
#include "harness/probe/probe_transport_report.h"
#include "harness/result_io.h"
#include "measure/os_probes.h"
#include "transport/options.h"
#include "transport/registry.h"
#include "transport/remote_memory.h"

namespace rpbench::probe {

namespace po = boost::program_options;
using nlohmann::json;
using transport::Op;

namespace {

// Transfers a bandwidth point keeps outstanding (--queue-depth): the probe's own limit, each one
// a slot of the local buffer.
constexpr int kMaxPointQueueDepth = 1024;

// "shm|tcp|verbs": the registry's names for the usage line.
std::string type_alternatives() {
  std::string t;
  for (const std::string& n : transport::transport_names()) t += (t.empty() ? "" : "|") + n;
  return t;
}

// The flags as given.
struct Flags {
  std::string type, memnode, listen_address, sizes, channels, queue_depths, ops, region_bytes, out;
  double seconds = 0, link_gbps = 0, link_latency_us = 0;
  long long lat_samples = 0;
  int connect_timeout_ms = 0;
  bool no_baseline = false, prefault = false;
};

po::options_description flag_table(Flags& f) {
  const std::string types = transport::transport_choices();
  po::options_description desc("rpbench probe transport flags");
  desc.add_options()("help,h", "show this help")("type", po::value(&f.type),
                                                 ("transport: " + types + " (required)").c_str())(
      "memnode", po::value(&f.memnode)->default_value("auto"),
      "auto (start a local rpbench-memnode), HOST:PORT (tcp, verbs) or unix:PATH (shm); token from "
      "$RPBENCH_MEMNODE_TOKEN")(
      "listen-address", po::value(&f.listen_address)->default_value("127.0.0.1"),
      "auto memory node: the address it listens on (verbs: the RDMA device's IP; rdma_cm cannot use lo)")(
      "sizes", po::value(&f.sizes)->default_value("4K,64K,1M,4M,16M,64M"), "transfer sizes (K/M/G suffixes)")(
      "channels", po::value(&f.channels)->default_value("1,2"),
      ("channel counts to sweep (1.." + std::to_string(transport::kMaxChannels) + ")").c_str())(
      "queue-depth", po::value(&f.queue_depths)->default_value("1,8"),
      ("transfers kept outstanding (1.." + std::to_string(kMaxPointQueueDepth) + ")").c_str())(
      "ops", po::value(&f.ops)->default_value("write,read"), "write, read or both")(
      "seconds-per-point", po::value(&f.seconds)->default_value(0.25), "time per bandwidth point (0 < s <= 60)")(
      "region-bytes", po::value(&f.region_bytes)->default_value("256M"), "region of the auto memory node")(
      "prefault", po::bool_switch(&f.prefault), "auto memory node: pre-fault the region (default: lazy)")(
      "link-gbps", po::value(&f.link_gbps)->default_value(0), "shm link model: bandwidth cap in Gbit/s (0: none)")(
      "link-latency-us", po::value(&f.link_latency_us)->default_value(0),
      "shm link model: latency added per operation in us (0: none)")(
      "lat-samples", po::value(&f.lat_samples)->default_value(1000),
      "latency samples per op and size (fewer when --seconds-per-point runs out first)")(
      "connect-timeout-ms", po::value(&f.connect_timeout_ms)->default_value(5000), "connect gives up after this")(
      "out", po::value(&f.out), "result file (default results/probe/transport-<type>.json)")(
      "no-baseline", po::bool_switch(&f.no_baseline), "skip the baseline (ratio_to_baseline is then null)");
  return desc;
}

std::vector<int> parse_int_list(const std::string& text, const std::string& flag, int lo, int hi) {
  std::vector<int> out;
  for (const std::string& s : split_list(text)) {
    size_t pos = 0;
    long v = 0;
    try {
      v = std::stol(s, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != s.size() || v < lo || v > hi)
      throw config::ConfigError("bad " + flag + " value '" + s + "' (expected an integer in [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "])");
    if (std::find(out.begin(), out.end(), static_cast<int>(v)) == out.end()) out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<uint64_t> parse_sizes(const Flags& f, uint64_t region_bytes) {
  std::vector<uint64_t> sizes;
  for (const std::string& s : split_list(f.sizes)) {
    const uint64_t v = parse_size_flag(s);
    if (std::find(sizes.begin(), sizes.end(), v) == sizes.end()) sizes.push_back(v);
  }
  for (uint64_t s : sizes) {
    if (s > region_bytes)
      throw config::ConfigError("size " + format_size(s) + " is larger than --region-bytes " + f.region_bytes);
    if (s > transport::kMaxChunkBytes)
      throw config::ConfigError("size " + format_size(s) + " is above the largest transfer, " +
                                format_size(transport::kMaxChunkBytes));
  }
  return sizes;
}

std::vector<Op> parse_ops(const std::string& text) {
  std::vector<Op> ops;
  for (const std::string& s : split_list(text)) {
    Op op;
    if (s == "write")
      op = Op::kWrite;
    else if (s == "read")
      op = Op::kRead;
    else
      throw config::ConfigError("bad --ops value '" + s + "' (expected write or read)");
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
  }
  return ops;
}

// --type and --memnode, and the flags that belong to the auto memory node only.
void check_node_flags(const Flags& f, const po::variables_map& vm) {
  if (!vm.count("type")) throw config::ConfigError("--type is required (" + transport::transport_choices() + ")");
  if (transport::find_transport(f.type) == nullptr)
    throw config::ConfigError("--type '" + f.type + "' (expected " + transport::transport_choices() + ")");
  if (const std::string problem = transport::memnode_problem(f.type, f.memnode); !problem.empty())
    throw config::ConfigError("--memnode: " + problem);
  for (const char* flag : {"region-bytes", "prefault"})
    if (f.memnode != "auto" && vm.count(flag) && !vm[flag].defaulted())
      throw config::ConfigError(std::string("--") + flag + " is for the auto memory node (--memnode is " + f.memnode +
                                ": its region is what it is)");
  if (f.listen_address.empty()) throw config::ConfigError("--listen-address must name an address");
  if (!vm["listen-address"].defaulted() && f.memnode != "auto")
    throw config::ConfigError("--listen-address is for the auto memory node (--memnode is " + f.memnode + ")");
}

// The shm link model, in the config's ranges (transport.link.*): 0 is "none".
transport::LinkModel link_model(const Flags& f) {
  if (!(f.link_gbps >= 0 && f.link_gbps <= 100000))
    throw config::ConfigError("--link-gbps must be in [0, 100000] (got " + std::to_string(f.link_gbps) + ")");
  if (!(f.link_latency_us >= 0 && f.link_latency_us <= 1e6))
    throw config::ConfigError("--link-latency-us must be in [0, 1000000] (got " + std::to_string(f.link_latency_us) +
                              ")");
  transport::LinkModel link{f.link_gbps, f.link_latency_us};
  if (link.active() && f.type != "shm")
    throw config::ConfigError("--link-gbps / --link-latency-us model a link for shm only (got --type " + f.type + ")");
  return link;
}

TransportProbeConfig config_from_flags(Flags& f, const po::variables_map& vm) {
  check_node_flags(f, vm);
  TransportProbeConfig cfg;
  cfg.transport.type = f.type;
  cfg.transport.memnode = f.memnode;
  cfg.transport.prefault = f.prefault;
  cfg.transport.listen_address = f.listen_address;
  cfg.transport.region_bytes = parse_size_flag(f.region_bytes);
  if (cfg.transport.region_bytes < transport::kMinRegionBytes)
    throw config::ConfigError("--region-bytes " + f.region_bytes + " is below the probe's minimum of " +
                              format_size(transport::kMinRegionBytes));
  cfg.sizes = parse_sizes(f, cfg.transport.region_bytes);
  cfg.channels = parse_int_list(f.channels, "--channels", 1, transport::kMaxChannels);
  cfg.queue_depths = parse_int_list(f.queue_depths, "--queue-depth", 1, kMaxPointQueueDepth);
  cfg.ops = parse_ops(f.ops);
  if (!(f.seconds > 0 && f.seconds <= 60))
    throw config::ConfigError("--seconds-per-point must be in (0, 60] (got " + std::to_string(f.seconds) + ")");
  cfg.seconds_per_point = f.seconds;
  cfg.transport.link = link_model(f);
  if (f.lat_samples < 1)
    throw config::ConfigError("--lat-samples must be >= 1 (got " + std::to_string(f.lat_samples) + ")");
  cfg.lat_samples = static_cast<uint64_t>(f.lat_samples);
  if (f.connect_timeout_ms < 1)
    throw config::ConfigError("--connect-timeout-ms must be >= 1 (got " + std::to_string(f.connect_timeout_ms) + ")");
  cfg.transport.connect_timeout_ms = f.connect_timeout_ms;
  cfg.baseline = !f.no_baseline;
  if (!vm.count("out")) f.out = "results/probe/transport-" + f.type + ".json";
  if (f.out.empty()) throw config::ConfigError("--out must name a file");
  return cfg;
}

// The run's "config" block: the flags as resolved.
json config_json(const Flags& f, const TransportProbeConfig& cfg) {
  std::vector<std::string> ops;
  for (Op op : cfg.ops) ops.emplace_back(transport::op_name(op));
  return {{"type", f.type},
          {"memnode", f.memnode},
          {"listen_address", f.listen_address},
          {"sizes_bytes", cfg.sizes},
          {"channels", cfg.channels},
          {"queue_depths", cfg.queue_depths},
          {"ops", ops},
          {"seconds_per_point", f.seconds},
          {"region_bytes", cfg.transport.region_bytes},
          {"prefault", f.prefault},
          {"link", {{"bandwidth_gbps", f.link_gbps}, {"latency_us", f.link_latency_us}}},
          {"lat_samples", cfg.lat_samples},
          {"baseline", cfg.baseline},
          {"out", f.out}};
}

}  // namespace

Status run_transport_probe_command(int argc, char** argv) {
  Flags f;
  const po::options_description desc = flag_table(f);
  po::variables_map vm;
  if (!parse_flags(argc, argv, desc, vm,
                   "Usage: rpbench probe transport --type " + type_alternatives() +
                       " [flags]\n"
                       "Bandwidth (GB/s = 10^9 bytes/s) and latency of one-sided writes and reads over a transport, "
                       "with its local baseline (shm: memcpy, tcp: a raw socket stream) in the same run.")) {
    return Status::Ok();
  }
  const TransportProbeConfig cfg = config_from_flags(f, vm);

  const double steal0 = measure::steal_ms();
  ConsoleTransportReporter console(stdout);
  StatusOr<TransportProbeResult> result = run_transport_probe(cfg, console);
  if (!result.ok()) return result.status();

  json ctx = collect_context();
  ctx["transport"] = f.type;
  ctx["transport_description"] = result->transport.description;
  ctx["memory_node"] = result->transport.memory_node;
  const double steal1 = measure::steal_ms();
  ctx["steal_ms"] = (steal0 < 0 || steal1 < 0) ? json(nullptr) : json(steal1 - steal0);
  json doc;
  doc["schema_version"] = kResultSchemaVersion;
  doc["kind"] = "probe-transport";
  doc["context"] = std::move(ctx);
  doc["config"] = config_json(f, cfg);
  doc["probe"] = transport_probe_json(*result);
  write_json_atomic(f.out, doc);
  std::printf("wrote %s\n", f.out.c_str());
  return Status::Ok();
}

}  // namespace rpbench::probe
