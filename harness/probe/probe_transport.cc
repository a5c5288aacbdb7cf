#include "harness/probe/probe_transport.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "harness/context.h"
#include "measure/mapping.h"
#include "measure/os_probes.h"
#include "harness/probe/probe_flags.h"
#include "harness/probe/probe_transport_baseline.h"
#include "harness/probe/probe_transport_points.h"
#include "harness/result_io.h"
#include "transport/remote_memory.h"

namespace rpbench::probe {

namespace po = boost::program_options;
using nlohmann::json;
using transport::Op;

namespace {

constexpr uint64_t kSummaryMinSize = 1 << 20;  // the summary's median is over sizes >= 1 MiB
constexpr uint64_t kMaxTransportQueueDepth = 4096;  // transport.queue_depth's range (and verbs' limit)

void say(std::FILE* out, const char* fmt, auto... args) {
  if (out == nullptr) return;
  std::fprintf(out, fmt, args...);
  std::fflush(out);
}

json or_null(std::optional<double> v) { return v ? json(*v) : json(nullptr); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A registered local buffer of the probe, deregistered on destruction.
class Registration {
 public:
  Registration(transport::Transport& t, measure::AnonMapping& mem) : t_(t) {
    buf_.bytes = mem.size();
    const Status s = t.register_buffer(mem.data(), mem.size(), &buf_.id);
    if (!s.ok()) throw std::runtime_error("registering the local buffer of " + std::to_string(mem.size()) +
                                          " bytes with " + std::string(t.name()) + ": " + s.message());
  }
  ~Registration() { t_.deregister_buffer(buf_.id); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  const LocalBuffer& buffer() const { return buf_; }

 private:
  transport::Transport& t_;
  LocalBuffer buf_;
};

json baseline_json(const BaselinePoint& b) {
  return {{"size_bytes", b.size_bytes}, {"transfers", b.transfers},   {"bytes", b.bytes},
          {"seconds", b.seconds},       {"gb_per_s", b.gb_per_s()}, {"transfers_per_s", b.transfers_per_s()}};
}

// Per op: the best configuration at each size (for information), and the ratio the target is
// judged on. That ratio comes from ONE configuration fixed in advance — the fewest channels and the
// deepest queue swept (a single pipelined stream, like both baselines) — never from the best of
// several: with one baseline sample per size, picking the best of N configurations would bias the
// ratio upward on a noisy machine. Judged: the median ratio over sizes >= 1 MiB, or the largest
// size's when no size reaches 1 MiB.
// `no_target`: why the target is not judged in this run (a link model, a node the probe did not
// start), or "" to judge it.
json summarize(const std::string& type, const std::vector<Op>& ops, const json& bandwidth, const std::string& no_target,
               std::FILE* out) {
  json summary = json::array();
  int judged_channels = 0, judged_qd = 0;
  for (const json& p : bandwidth) {
    const int c = p["channels"], q = p["queue_depth"];
    if (judged_channels == 0 || c < judged_channels) judged_channels = c;
    judged_qd = std::max(judged_qd, q);
  }
  for (Op op : ops) {
    std::map<uint64_t, const json*> best, judged;
    for (const json& p : bandwidth) {
      if (p["op"] != transport::op_name(op)) continue;
      const uint64_t size = p["size_bytes"];
      if (!best.count(size) || p["gb_per_s"].get<double>() > (*best[size])["gb_per_s"].get<double>()) best[size] = &p;
      if (p["channels"] == judged_channels && p["queue_depth"] == judged_qd) judged[size] = &p;
    }
    json per_size = json::array();
    for (const auto& [size, p] : best)
      per_size.push_back({{"size_bytes", size},
                          {"channels", (*p)["channels"]},
                          {"queue_depth", (*p)["queue_depth"]},
                          {"gb_per_s", (*p)["gb_per_s"]},
                          {"ratio_to_baseline", (*p)["ratio_to_baseline"]}});
    std::vector<double> big;
    std::optional<double> at_largest;
    uint64_t largest = 0;
    for (const auto& [size, p] : judged) {
      const json& r = (*p)["ratio_to_baseline"];
      largest = size;
      at_largest = r.is_null() ? std::nullopt : std::optional<double>(r.get<double>());
      if (size >= kSummaryMinSize && !r.is_null()) big.push_back(r.get<double>());
    }
    const std::optional<double> med = big.empty() ? std::nullopt : std::optional<double>(median(big));
    const std::optional<double> target =
        op == Op::kWrite && no_target.empty() ? target_ratio(type) : std::nullopt;
    json note = nullptr;
    if (op == Op::kWrite && target_ratio(type) && !no_target.empty()) note = "target not judged: " + no_target;
    const std::optional<double> judged_ratio = med ? med : at_largest;
    json met = nullptr;
    if (target && judged_ratio) met = *judged_ratio >= *target;
    summary.push_back({{"op", transport::op_name(op)},
                       {"best_per_size", std::move(per_size)},
                       {"judged_channels", judged_channels},
                       {"judged_queue_depth", judged_qd},
                       {"median_ratio_min_1mib", or_null(med)},
                       {"largest_size_bytes", largest},
                       {"ratio_at_largest_size", or_null(at_largest)},
                       {"target_ratio", or_null(target)},
                       {"target_met", met},
                       {"target_note", note}});
    if (out != nullptr) {
      char buf[160];
      std::snprintf(buf, sizeof buf, " (%d channel%s, queue depth %d): ", judged_channels,
                    judged_channels == 1 ? "" : "s", judged_qd);
      std::string line = type + " " + std::string(transport::op_name(op)) + buf;
      if (med) {
        std::snprintf(buf, sizeof buf, "median ratio over sizes >= 1M %.3f, ", *med);
        line += buf;
      }
      if (at_largest) {
        std::snprintf(buf, sizeof buf, "at %s %.3f", format_size(largest).c_str(), *at_largest);
        line += buf;
      } else {
        line += "no baseline";
      }
      if (target && judged_ratio) {
        std::snprintf(buf, sizeof buf, "; target %.2f: %s", *target, *judged_ratio >= *target ? "met" : "NOT met");
        line += buf;
      }
      if (note.is_string()) line += "; " + note.get<std::string>();
      say(out, "%s\n", line.c_str());
    }
  }
  return summary;
}

}  // namespace

std::optional<double> target_ratio(const std::string& type) {
  if (type == "shm") return 0.80;
  if (type == "tcp") return 0.70;
  return std::nullopt;
}

json run_transport_probe(const TransportProbeConfig& cfg, std::FILE* out) {
  const std::string& type = cfg.transport.type;
  if (type != "shm" && type != "tcp" && type != "verbs")
    throw std::invalid_argument("transport type '" + type + "' (expected shm, tcp or verbs)");
  if (cfg.sizes.empty() || cfg.channels.empty() || cfg.queue_depths.empty() || cfg.ops.empty())
    throw std::invalid_argument("probe transport: sizes, channels, queue depths and ops must not be empty");
  const uint64_t max_size = *std::max_element(cfg.sizes.begin(), cfg.sizes.end());
  const bool auto_node = cfg.transport.memnode == "auto";
  if (auto_node && max_size > cfg.transport.region_bytes)
    throw std::invalid_argument("size " + format_size(max_size) + " is larger than the region (" +
                                format_size(cfg.transport.region_bytes) + ")");
  const int max_qd = *std::max_element(cfg.queue_depths.begin(), cfg.queue_depths.end());
  const int min_channels = *std::min_element(cfg.channels.begin(), cfg.channels.end());
  const uint64_t local_bytes =
      std::max(max_size, std::min(max_size * static_cast<uint64_t>(max_qd), cfg.local_buffer_cap));

  // Every point must really keep its queue depth outstanding: the transport's own queue (chunks per
  // channel) must hold queue depth x chunks per transfer, spread over the channels.
  transport::TransportOptions first = cfg.transport;
  first.channels = cfg.channels.front();
  const uint64_t chunks_per_transfer = (max_size + first.chunk_bytes - 1) / first.chunk_bytes;
  const uint64_t depth_needed =
      (static_cast<uint64_t>(max_qd) * chunks_per_transfer + static_cast<uint64_t>(min_channels) - 1) /
      static_cast<uint64_t>(min_channels);
  if (depth_needed > kMaxTransportQueueDepth)
    throw std::invalid_argument("queue depth " + std::to_string(max_qd) + " of " + format_size(max_size) +
                                " transfers on " + std::to_string(min_channels) + " channel(s) needs " +
                                std::to_string(depth_needed) + " outstanding chunks of " +
                                format_size(first.chunk_bytes) + " per channel, more than the transports' " +
                                std::to_string(kMaxTransportQueueDepth) + ": lower --queue-depth or the largest size");
  first.queue_depth = std::max<int>(first.queue_depth, static_cast<int>(depth_needed));

  // The local buffer before the connection: it must outlive every transfer into it, also when a
  // point fails with reads in flight and the connection is torn down during unwinding.
  measure::AnonMapping local(local_bytes);
  std::memset(local.data(), 0x5a, local.size());
  const bool with_baseline = cfg.baseline && type != "verbs";
  const bool shm = type == "shm";
  // The tcp baseline forks: without this, every page of the local buffer would be write-protected
  // for copy-on-write after each fork, and the next read points would pay a fault per page.
  if (with_baseline && !shm) local.advise(MADV_DONTFORK);

  // Connect first: an unreachable node fails before anything is measured. (The tcp baseline forks
  // later with the connections open; its reader only makes system calls and exits, never touching
  // them.)
  StatusOr<std::unique_ptr<transport::RemoteMemory>> opened = transport::RemoteMemory::open(first);
  if (!opened.ok()) throw std::runtime_error(opened.status().message());
  transport::RemoteMemory& remote = **opened;
  const std::string description = remote.describe();
  say(out, "%s\n\n", description.c_str());
  const uint64_t region_bytes = remote.transport().region_bytes();
  if (max_size > region_bytes)
    throw std::invalid_argument("size " + format_size(max_size) + " is larger than the memory node's region (" +
                                format_size(region_bytes) + ")");

  // One connection per channel count (the first is the RemoteMemory's), each with the local
  // buffer registered and the region warmed through it, open for the whole sweep.
  struct Connection {
    int channels = 0;
    std::unique_ptr<transport::Transport> own;  // null for remote.transport()
    transport::Transport* t = nullptr;
    std::unique_ptr<Registration> reg;
  };
  std::vector<Connection> conns;
  auto open_connection = [&](int channels) {
    Connection c;
    c.channels = channels;
    c.t = &remote.transport();
    if (!conns.empty()) {
      transport::TransportOptions o = remote.options();
      o.channels = channels;
      StatusOr<std::unique_ptr<transport::Transport>> own = transport::connect(o, remote.endpoint());
      if (!own.ok()) throw std::runtime_error(own.status().message());
      c.own = std::move(*own);
      c.t = c.own.get();
    }
    c.reg = std::make_unique<Registration>(*c.t, local);
    warm_region(*c.t, c.reg->buffer());
    conns.push_back(std::move(c));
  };
  for (int channels : cfg.channels) open_connection(channels);

  // The sweep, size by size; the baseline of a size is measured right before that size's points,
  // so that both see the same machine (it is shared and noisy).
  json baseline = nullptr;
  json baseline_reason = nullptr;
  json base_points = json::array();
  if (!cfg.baseline) {
    baseline_reason = "not measured (--no-baseline)";
  } else if (type == "verbs") {
    baseline_reason = "verbs has no local baseline: compare with perftest's ib_write_bw / ib_read_bw on the same device";
  }
  if (with_baseline)
    say(out, "baseline: %s\n",
        shm ? "single-thread memcpy, size-byte copies from rotating local slots to rotating offsets of a warm "
              "region-sized buffer"
            : "raw TCP loopback stream (size-byte messages from rotating local slots, sent in chunk_bytes pieces, no "
              "framing, no acks) to a forked reader receiving into rotating offsets of a warm region-sized buffer");
  say(out, "bandwidth (GB/s = 10^9 bytes/s)\n%-5s %-8s %3s %4s %10s %14s %10s %8s\n", "op", "size", "ch", "qd", "GB/s",
      "transfers/s", "base_GB/s", "ratio");
  json bandwidth = json::array();
  for (uint64_t size : cfg.sizes) {
    std::optional<double> base;
    if (with_baseline) {
      // The rotation of the deepest-queue points (the judged ones): one local slot per outstanding
      // transfer, as many as fit in the local buffer (probe_transport_points.cc).
      const BaselineShape shape{.size = size,
                                .source_slots = std::clamp<uint64_t>(static_cast<uint64_t>(max_qd), 1, local_bytes / size),
                                // A warm region-sized destination, at most 1 GiB: far beyond the
                                // caches either way, and a named node's region may be huge.
                                .dest_bytes = std::min<uint64_t>(region_bytes, 1ull << 30),
                                .send_bytes = cfg.transport.chunk_bytes};
      const BaselinePoint b = shm ? measure_memcpy(shape, cfg.seconds_per_point, cfg.min_transfers)
                                  : measure_socket_stream(shape, cfg.seconds_per_point, cfg.min_transfers);
      say(out, "%-5s %-8s %3s %4s %10.3f %14.0f\n", shm ? "cpy" : "sock", format_size(size).c_str(), "-", "-",
          b.gb_per_s(), b.transfers_per_s());
      base_points.push_back(baseline_json(b));
      base_points.back()["source_slots"] = shape.source_slots;
      if (b.gb_per_s() > 0) base = b.gb_per_s();
    }
    for (Connection& c : conns) {
      for (Op op : cfg.ops) {
        for (int qd : cfg.queue_depths) {
          const BandwidthPoint p =
              measure_bandwidth(*c.t, c.reg->buffer(), op, size, qd, cfg.seconds_per_point, cfg.min_transfers);
          const std::optional<double> ratio = base ? std::optional<double>(p.gb_per_s() / *base) : std::nullopt;
          char base_text[32] = "-", ratio_text[32] = "-";
          if (base) std::snprintf(base_text, sizeof base_text, "%.3f", *base);
          if (ratio) std::snprintf(ratio_text, sizeof ratio_text, "%.3f", *ratio);
          say(out, "%-5s %-8s %3d %4d %10.3f %14.0f %10s %8s\n", std::string(transport::op_name(op)).c_str(),
              format_size(size).c_str(), c.channels, qd, p.gb_per_s(), p.transfers_per_s(), base_text, ratio_text);
          bandwidth.push_back({{"op", transport::op_name(op)},
                               {"size_bytes", size},
                               {"channels", c.channels},
                               {"queue_depth", qd},
                               {"transfers", p.transfers},
                               {"bytes", p.bytes},
                               {"seconds", p.seconds},
                               {"gb_per_s", p.gb_per_s()},
                               {"transfers_per_s", p.transfers_per_s()},
                               {"baseline_gb_per_s", or_null(base)},
                               {"ratio_to_baseline", or_null(ratio)}});
        }
      }
    }
  }
  if (with_baseline)
    baseline = {{"kind", shm ? "memcpy" : "socket_stream"},
                {"description",
                 std::string(shm ? "single-thread memcpy of size bytes per copy"
                                 : "one TCP loopback connection, size-byte messages sent in send() calls of at "
                                   "most the transport's chunk_bytes, a forked child recv()s them; no framing, no "
                                   "acks; timed until the child has read every byte") +
                     "; the source rotates over source_slots size-byte slots (the local rotation of the deepest "
                     "queue swept), the destination over a warm region-sized buffer: the memory the "
                     "transport's points touch"},
                {"points", std::move(base_points)}};

  // Latency on one channel: the sweep's 1-channel connection, else a new one.
  json latency = json::array();
  auto one = std::find_if(conns.begin(), conns.end(), [](const Connection& c) { return c.channels == 1; });
  if (one == conns.end()) {
    open_connection(1);
    one = conns.end() - 1;
  }
  say(out, "\nlatency (queue depth 1, one channel)\n%-5s %-8s %8s %10s %10s %10s %10s %12s\n", "op", "size", "count",
      "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns");
  for (Op op : cfg.ops) {
    for (uint64_t size : cfg.sizes) {
      const measure::Histogram h = measure_latency(*one->t, one->reg->buffer(), op, size, cfg.lat_samples,
                                                   cfg.seconds_per_point, cfg.min_lat_samples);
      say(out, "%-5s %-8s %8llu %10llu %10llu %10llu %10llu %12llu\n", std::string(transport::op_name(op)).c_str(),
          format_size(size).c_str(), static_cast<unsigned long long>(h.count()),
          static_cast<unsigned long long>(h.percentile(50)), static_cast<unsigned long long>(h.percentile(90)),
          static_cast<unsigned long long>(h.percentile(99)), static_cast<unsigned long long>(h.percentile(99.9)),
          static_cast<unsigned long long>(h.max()));
      latency.push_back({{"op", transport::op_name(op)},
                         {"size_bytes", size},
                         {"channels", 1},
                         {"queue_depth", 1},
                         {"latency", measure::to_json(h)}});
    }
  }
  for (Connection& c : conns) {
    c.reg.reset();
    if (c.own) {
      const Status s = c.own->close();
      if (!s.ok())
        throw std::runtime_error("closing the " + std::to_string(c.channels) + "-channel connection: " + s.message());
    }
  }
  say(out, "\n");
  // The targets compare with a local baseline on an unshaped link: a link model (shm) or a node
  // the probe did not start (perhaps on another host) is not what they are about.
  std::string no_target;
  if (remote.options().link.active()) no_target = "the shm link model shapes the transport on purpose";
  else if (!auto_node) no_target = "the memory node (" + cfg.transport.memnode + ") was not started by the probe";
  json summary = summarize(type, cfg.ops, bandwidth, no_target, out);

  const transport::TransportOptions& o = remote.options();
  json link = nullptr;
  if (o.link.active()) link = {{"bandwidth_gbps", o.link.bandwidth_gbps}, {"latency_us", o.link.latency_us}};
  return {
      {"transport",
       {{"type", type},
        {"description", description},
        {"memnode", o.memnode},
        {"endpoint", remote.endpoint()},
        {"region_bytes", remote.transport().region_bytes()},
        {"region_allocation", transport::region_allocation(o)},
        {"link_model", link},
        {"chunk_bytes", o.chunk_bytes},
        {"transport_queue_depth", o.queue_depth},
        {"local_buffer_bytes", local_bytes}}},
      {"baseline", std::move(baseline)},
      {"baseline_reason", std::move(baseline_reason)},
      {"bandwidth", std::move(bandwidth)},
      {"latency", std::move(latency)},
      {"summary", std::move(summary)},
  };
}

namespace {

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
      throw config::ConfigError("bad " + flag + " value '" + s + "' (expected an integer in [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "])");
    if (std::find(out.begin(), out.end(), static_cast<int>(v)) == out.end()) out.push_back(static_cast<int>(v));
  }
  return out;
}


}  // namespace

int run_transport_probe(int argc, char** argv) {
  std::string type, memnode, listen_address, sizes_text, channels_text, qd_text, ops_text, region_text, out;
  double seconds = 0, link_gbps = 0, link_latency_us = 0;
  long long lat_samples = 0;
  int connect_timeout_ms = 0;
  bool no_baseline = false, prefault = false;
  po::options_description desc("rpbench probe transport flags");
  desc.add_options()
      ("help,h", "show this help")
      ("type", po::value(&type), "transport: shm, tcp or verbs (required)")
      ("memnode", po::value(&memnode)->default_value("auto"),
       "auto (start a local rpbench-memnode), HOST:PORT (tcp, verbs) or unix:PATH (shm); token from "
       "$RPBENCH_MEMNODE_TOKEN")
      ("listen-address", po::value(&listen_address)->default_value("127.0.0.1"),
       "auto memory node: the address it listens on (verbs: the RDMA device's IP; rdma_cm cannot use lo)")
      ("sizes", po::value(&sizes_text)->default_value("4K,64K,1M,4M,16M,64M"), "transfer sizes (K/M/G suffixes)")
      ("channels", po::value(&channels_text)->default_value("1,2"), "channel counts to sweep (1..64)")
      ("queue-depth", po::value(&qd_text)->default_value("1,8"), "transfers kept outstanding (1..1024)")
      ("ops", po::value(&ops_text)->default_value("write,read"), "write, read or both")
      ("seconds-per-point", po::value(&seconds)->default_value(0.25), "time per bandwidth point (0 < s <= 60)")
      ("region-bytes", po::value(&region_text)->default_value("256M"), "region of the auto memory node")
      ("prefault", po::bool_switch(&prefault), "auto memory node: pre-fault the region (default: lazy)")
      ("link-gbps", po::value(&link_gbps)->default_value(0), "shm link model: bandwidth cap in Gbit/s (0: none)")
      ("link-latency-us", po::value(&link_latency_us)->default_value(0),
       "shm link model: latency added per operation in us (0: none)")
      ("lat-samples", po::value(&lat_samples)->default_value(1000),
       "latency samples per op and size (fewer when --seconds-per-point runs out first)")
      ("connect-timeout-ms", po::value(&connect_timeout_ms)->default_value(5000), "connect gives up after this")
      ("out", po::value(&out), "result file (default results/probe/transport-<type>.json)")
      ("no-baseline", po::bool_switch(&no_baseline), "skip the baseline (ratio_to_baseline is then null)");
  po::variables_map vm;
  if (!parse_flags(argc, argv, desc, vm,
                   "Usage: rpbench probe transport --type shm|tcp|verbs [flags]\n"
                   "Bandwidth (GB/s = 10^9 bytes/s) and latency of one-sided writes and reads over a transport, "
                   "with its local baseline (shm: memcpy, tcp: a raw socket stream) in the same run.")) {
    return 0;
  }
  if (!vm.count("type")) throw config::ConfigError("--type is required (shm, tcp or verbs)");
  if (type != "shm" && type != "tcp" && type != "verbs")
    throw config::ConfigError("--type '" + type + "' (expected shm, tcp or verbs)");
  if (const std::string problem = transport::memnode_problem(type, memnode); !problem.empty())
    throw config::ConfigError("--memnode: " + problem);
  for (const char* flag : {"region-bytes", "prefault"})
    if (memnode != "auto" && vm.count(flag) && !vm[flag].defaulted())
      throw config::ConfigError(std::string("--") + flag + " is for the auto memory node (--memnode is " + memnode +
                       ": its region is what it is)");

  TransportProbeConfig cfg;
  cfg.transport.type = type;
  cfg.transport.memnode = memnode;
  cfg.transport.prefault = prefault;
  cfg.sizes.clear();
  for (const std::string& s : split_list(sizes_text)) {
    const uint64_t v = parse_size_flag(s);
    if (std::find(cfg.sizes.begin(), cfg.sizes.end(), v) == cfg.sizes.end()) cfg.sizes.push_back(v);
  }
  cfg.transport.region_bytes = parse_size_flag(region_text);
  if (cfg.transport.region_bytes < (1 << 20))
    throw config::ConfigError("--region-bytes " + region_text + " is below the probe's minimum of 1M");
  for (uint64_t s : cfg.sizes) {
    if (s > cfg.transport.region_bytes)
      throw config::ConfigError("size " + format_size(s) + " is larger than --region-bytes " + region_text);
    if (s > (1ull << 30)) throw config::ConfigError("size " + format_size(s) + " is above the largest transfer, 1G");
  }
  cfg.channels = parse_int_list(channels_text, "--channels", 1, 64);
  cfg.queue_depths = parse_int_list(qd_text, "--queue-depth", 1, 1024);
  cfg.ops.clear();
  for (const std::string& s : split_list(ops_text)) {
    Op op;
    if (s == "write") op = Op::kWrite;
    else if (s == "read") op = Op::kRead;
    else throw config::ConfigError("bad --ops value '" + s + "' (expected write or read)");
    if (std::find(cfg.ops.begin(), cfg.ops.end(), op) == cfg.ops.end()) cfg.ops.push_back(op);
  }
  if (!(seconds > 0 && seconds <= 60))
    throw config::ConfigError("--seconds-per-point must be in (0, 60] (got " + std::to_string(seconds) + ")");
  cfg.seconds_per_point = seconds;
  // The config's ranges (transport.link.*): 0 is "none".
  if (!(link_gbps >= 0 && link_gbps <= 100000))
    throw config::ConfigError("--link-gbps must be in [0, 100000] (got " + std::to_string(link_gbps) + ")");
  if (!(link_latency_us >= 0 && link_latency_us <= 1e6))
    throw config::ConfigError("--link-latency-us must be in [0, 1000000] (got " + std::to_string(link_latency_us) + ")");
  if ((link_gbps > 0 || link_latency_us > 0) && type != "shm")
    throw config::ConfigError("--link-gbps / --link-latency-us model a link for shm only (got --type " + type + ")");
  cfg.transport.link.bandwidth_gbps = link_gbps;
  cfg.transport.link.latency_us = link_latency_us;
  if (lat_samples < 1) throw config::ConfigError("--lat-samples must be >= 1 (got " + std::to_string(lat_samples) + ")");
  cfg.lat_samples = static_cast<uint64_t>(lat_samples);
  if (connect_timeout_ms < 1)
    throw config::ConfigError("--connect-timeout-ms must be >= 1 (got " + std::to_string(connect_timeout_ms) + ")");
  cfg.transport.connect_timeout_ms = connect_timeout_ms;
  if (listen_address.empty()) throw config::ConfigError("--listen-address must name an address");
  if (vm["listen-address"].defaulted() == false && memnode != "auto")
    throw config::ConfigError("--listen-address is for the auto memory node (--memnode is " + memnode + ")");
  cfg.transport.listen_address = listen_address;
  cfg.baseline = !no_baseline;
  if (!vm.count("out")) out = "results/probe/transport-" + type + ".json";
  if (out.empty()) throw config::ConfigError("--out must name a file");

  const double steal0 = measure::steal_ms();
  json probe = run_transport_probe(cfg, stdout);

  json ctx = collect_context();
  ctx["transport"] = type;
  ctx["transport_description"] = probe["transport"]["description"];
  const double steal1 = measure::steal_ms();
  ctx["steal_ms"] = (steal0 < 0 || steal1 < 0) ? json(nullptr) : json(steal1 - steal0);
  std::vector<std::string> ops;
  for (Op op : cfg.ops) ops.emplace_back(transport::op_name(op));
  json doc;
  doc["schema_version"] = kResultSchemaVersion;
  doc["kind"] = "probe-transport";
  doc["context"] = std::move(ctx);
  doc["config"] = {{"type", type},
                   {"memnode", memnode},
                   {"listen_address", listen_address},
                   {"sizes_bytes", cfg.sizes},
                   {"channels", cfg.channels},
                   {"queue_depths", cfg.queue_depths},
                   {"ops", ops},
                   {"seconds_per_point", seconds},
                   {"region_bytes", cfg.transport.region_bytes},
                   {"prefault", prefault},
                   {"link", {{"bandwidth_gbps", link_gbps}, {"latency_us", link_latency_us}}},
                   {"lat_samples", cfg.lat_samples},
                   {"baseline", cfg.baseline},
                   {"out", out}};
  doc["probe"] = std::move(probe);
  write_json_atomic(out, doc);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace rpbench::probe
